package moderation
import ("runtime";"testing";"syscall";"time";"fmt")
func cpuNow() time.Duration { var r syscall.Rusage; syscall.Getrusage(syscall.RUSAGE_THREAD, &r); return time.Duration(r.Utime.Nano()+r.Stime.Nano()) }
func TestCPUTmp(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c := loadCorpus(t)
	s := NewScreener(nil, 0)
	for r := 0; r < 5; r++ {
		n := 0
		st := cpuNow()
		for k := 0; k < 400; k++ { for _, e := range c { s.Screen(e.Text, Context{}); n++ } }
		fmt.Printf("cpu ns/msg %.0f\n", float64(cpuNow()-st)/float64(n))
	}
}
