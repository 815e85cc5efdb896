package charter_test

import (
	"fmt"

	"github.com/entrepairs/entrepairs/charter"
)

func ExampleRender() {
	md := "# Charte\n\nIci on s'entraide **entre pairs**.\n\n- pas de deal\n- `/urgence` donne les numéros\n\n[javascript](javascript:alert(1)) reste du texte, <b> aussi."
	for _, part := range charter.Render(md, charter.MaxMessageLen) {
		fmt.Println(part)
	}
	// Output:
	// <b><u>Charte</u></b>
	//
	// Ici on s'entraide <b>entre pairs</b>.
	//
	// • pas de deal
	// • <code>/urgence</code> donne les numéros
	//
	// [javascript](javascript:alert(1)) reste du texte, &lt;b&gt; aussi.
}

func ExampleEnglishPath() {
	fmt.Println(charter.EnglishPath("/etc/entrepairs/paris/charter.md"))
	// Output: /etc/entrepairs/paris/charter.en.md
}
