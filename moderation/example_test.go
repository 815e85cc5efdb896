package moderation_test

import (
	"fmt"

	"github.com/entrepairs/entrepairs/moderation"
)

func ExampleScreener_Screen() {
	s := moderation.NewScreener(moderation.DefaultLexicon(), 0)
	for _, text := range []string{
		"T1na d.i.s.p.o ce soir, 60 le g, wickr",
		"J'ai rechuté hier, j'ai claqué 200 balles de tina",
	} {
		v := s.Screen(text, moderation.Context{Kind: moderation.Message})
		fmt.Printf("flag=%v\n", v.Flag)
		for _, r := range v.Reasons {
			if r.Code == moderation.CodeLearned {
				continue // the words the learned model weighed, which change with training
			}
			fmt.Printf("  %s %q %+.2f\n", r.Code, r.Evidence, r.Weight)
		}
	}
	// Output:
	// flag=true
	//   price "60 le g" +0.60
	//   offer "dispo" +0.55
	//   contact_channel "wickr" +0.50
	//   urgency "ce soir" +0.40
	//   product "tina" +0.15
	// flag=false
	//   price "200 balles" +0.05
	//   product "tina" +0.02
	//   recovery "j'ai rechute" -0.55
	//   story "j'ai claque" -0.74
}

func ExampleNormalize() {
	fmt.Println(moderation.Normalize("Ｔ1ＮＡ d·i·s·p·o 🔌❄️ dі\u200bѕро"))
	// Output: tina dispo emoji:plug emoji:snow dispo
}
