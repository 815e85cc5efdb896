package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/entrepairs/entrepairs/config"
)

// health asks the running bot's health endpoint (health.listen) and exits
// 0 when it answers ok: Docker's HEALTHCHECK runs it, since the image has
// no shell nor curl.
func health(path string, stdout, stderr io.Writer) int {
	cfg, _, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitInvalid
	}
	addr := cfg.Health.Listen
	if addr == "" {
		fmt.Fprintln(stderr, "entrepairs health: health.listen is not set (ENTREPAIRS_HEALTH_LISTEN)")
		return exitInvalid
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		fmt.Fprintln(stderr, "entrepairs health:", err)
		return exitInvalid
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + net.JoinHostPort(host, port) + "/healthz")
	if err != nil {
		fmt.Fprintln(stderr, "entrepairs health:", err)
		return exitFailure
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(stderr, "entrepairs health:", resp.Status)
		return exitFailure
	}
	fmt.Fprintln(stdout, "ok")
	return exitOK
}
