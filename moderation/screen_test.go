package moderation

import (
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestScreenFlags is a table of messages written for these tests (not
// taken from the corpus): offers and requests that must be flagged, and the
// hard negatives of DOMAIN.md that must not.
// TestScreenFlags runs a hand-written table through the rules alone (each
// line must come out as written) and through the shipped screener with its
// model, which may flag at most maxHandFlags of its members' messages (each
// is logged; rates are the corpus test's measure) and whose misses are
// logged.
func TestScreenFlags(t *testing.T) {
	const maxHandFlags = 1
	rules, full := NewScreener(nil, 0).WithModel(nil), NewScreener(nil, 0)
	flagged := 0
	defer func() {
		if flagged > maxHandFlags {
			t.Errorf("the model flags %d members' messages of the table, want at most %d", flagged, maxHandFlags)
		}
	}()
	tests := []struct {
		name string
		text string
		flag bool
	}{
		{"offer: Tina dispo ce soir sur Paris, livraison ", "Tina dispo ce soir sur Paris, livraison rapide, contact Signal", true},
		{"offer: 3MMC 25€/g, GHB 10€ le ml, discret, écri", "3MMC 25€/g, GHB 10€ le ml, discret, écris-moi sur Threema", true},
		{"offer: Nouvel arrivage de crystal, qualité top,", "Nouvel arrivage de crystal, qualité top, mp pour les prix", true},
		{"offer: j'ai de la bonne G, qui en veut ? Lyon c", "j'ai de la bonne G, qui en veut ? Lyon centre", true},
		{"offer: Je vends ma 4mmc, plus besoin, 15 le g", "Je vends ma 4mmc, plus besoin, 15 le g", true},
		{"offer: ❄️🔌 dispo 24/7 Bruxelles", "❄️🔌 dispo 24/7 Bruxelles", true},
		{"offer: d.i.s.p.o t1n4 + g, wickr: chemsplug", "d.i.s.p.o t1n4 + g, wickr: chemsplug", true},
		{"offer: Selling ice and G, DM me on Session for ", "Selling ice and G, DM me on Session for the menu", true},
		{"offer: For sale: crystal, 3mmc, GHB. Fast deliv", "For sale: crystal, 3mmc, GHB. Fast delivery London. Wickr me", true},
		{"offer: Je dépanne en 3mmc sur Marseille, 20 bal", "Je dépanne en 3mmc sur Marseille, 20 balles le g", true},
		{"offer: Livraison Paris et petite couronne, tout", "Livraison Paris et petite couronne, tout dispo, @plugparis75", true},
		{"offer: 💎💊🧪 menu en privé", "💎💊🧪 menu en privé", true},
		{"offer: stock de 3-MMC au top, envoi postal disc", "stock de 3-MMC au top, envoi postal discret partout en France", true},
		{"offer: ya de la T pour ce soir, passe en mp", "ya de la T pour ce soir, passe en mp", true},
		{"offer: Dispo : Tina 80/g, G 15/10ml, coke 70. L", "Dispo : Tina 80/g, G 15/10ml, coke 70. Livré en 30 min.", true},
		{"offer: New batch of tina just landed in Montrea", "New batch of tina just landed in Montreal, hit me up", true},
		{"offer: tu veux de la tina ? j'en ai, 70 le g, j", "tu veux de la tina ? j'en ai, 70 le g, je passe chez toi", true},
		{"offer: Contactez-moi au 06 12 34 56 78 pour la ", "Contactez-moi au 06 12 34 56 78 pour la 3mmc, prix doux", true},
		{"offer: Plug dispo sur Genève, G et tina, livrai", "Plug dispo sur Genève, G et tina, livraison 7j/7", true},
		{"offer: 🍬🍬 candy dispo, DM 😉", "🍬🍬 candy dispo, DM 😉", true},
		{"offer: c o k e dispo ce soir, 60 le gramme", "c o k e dispo ce soir, 60 le gramme", true},
		{"offer: Bonjour à tous, je propose de la tina de", "Bonjour à tous, je propose de la tina de qualité, envoi rapide, Signal uniquement", true},
		{"offer: Si vous cherchez du G, j'en ai, écrivez-", "Si vous cherchez du G, j'en ai, écrivez-moi", true},
		{"offer: Arrivage 4mmc, 10€ le gramme, livraison ", "Arrivage 4mmc, 10€ le gramme, livraison IDF", true},
		{"offer: got G and tina, Brussels, dm", "got G and tina, Brussels, dm", true},
		{"solicitation: qqn a de la tina sur Lille ce soir ?", "qqn a de la tina sur Lille ce soir ?", true},
		{"solicitation: Je cherche du G sur Toulouse, quelqu'un ", "Je cherche du G sur Toulouse, quelqu'un ?", true},
		{"solicitation: où trouver de la 3mmc à Bruxelles ?", "où trouver de la 3mmc à Bruxelles ?", true},
		{"solicitation: besoin de tina ce soir, qui peut ?", "besoin de tina ce soir, qui peut ?", true},
		{"solicitation: anyone got G in Brussels tonight?", "anyone got G in Brussels tonight?", true},
		{"solicitation: looking for tina in Geneva, dm me", "looking for tina in Geneva, dm me", true},
		{"solicitation: qui connaît un plug fiable à Marseille ?", "qui connaît un plug fiable à Marseille ?", true},
		{"solicitation: who sells crystal around here?", "who sells crystal around here?", true},
		{"solicitation: Quelqu'un vend de la 4mmc ? je paie bien", "Quelqu'un vend de la 4mmc ? je paie bien", true},
		{"solicitation: cherche plug sur Nantes", "cherche plug sur Nantes", true},
		{"solicitation: vous avez du G ? je suis à Liège", "vous avez du G ? je suis à Liège", true},
		{"solicitation: need a plug in Paris asap", "need a plug in Paris asap", true},
		{"solicitation: Je veux acheter de la 3mmc, qui a un con", "Je veux acheter de la 3mmc, qui a un contact ?", true},
		{"solicitation: t'as de la c ? je te paye demain", "t'as de la c ? je te paye demain", true},
		{"solicitation: quelqu'un peut me filer un peu de G ce s", "quelqu'un peut me filer un peu de G ce soir", true},
		{"solicitation: Is there anyone selling ice in Montreal?", "Is there anyone selling ice in Montreal?", true},
		{"solicitation: c'est combien le g de tina ici ?", "c'est combien le g de tina ici ?", true},
		{"solicitation: un plan tina sur Lyon quelqu'un ?", "un plan tina sur Lyon quelqu'un ?", true},
		{"solicitation: je cherche à acheter du crystal, dm", "je cherche à acheter du crystal, dm", true},
		{"solicitation: qui aurait un dealer sur Bordeaux ?", "qui aurait un dealer sur Bordeaux ?", true},
		{"benign: J'ai rechuté ce weekend, j'ai pris de la", "J'ai rechuté ce weekend, j'ai pris de la tina et du G. Je me sens vide.", false},
		{"benign: Je payais 70 balles le g à l'époque, auj", "Je payais 70 balles le g à l'époque, aujourd'hui 3 mois clean", false},
		{"benign: Jamais d'alcool avec le G, sérieux, c'es", "Jamais d'alcool avec le G, sérieux, c'est comme ça qu'on finit en G-hole", false},
		{"benign: Attention, la 3mmc qui circule à Lyon es", "Attention, la 3mmc qui circule à Lyon est coupée, plusieurs malaises", false},
		{"benign: écris-moi en privé si tu veux parler", "écris-moi en privé si tu veux parler", false},
		{"benign: Je suis dispo ce soir si quelqu'un a bes", "Je suis dispo ce soir si quelqu'un a besoin de parler", false},
		{"benign: Appelle le 0 800 23 13 13, c'est gratuit", "Appelle le 0 800 23 13 13, c'est gratuit et anonyme", false},
		{"benign: Le 3114 est là 24h/24 si ça va pas", "Le 3114 est là 24h/24 si ça va pas", false},
		{"benign: Infos utiles : https://www.drogues-info-", "Infos utiles : https://www.drogues-info-service.fr et analysetonprod.fr", false},
		{"benign: Balade au parc des Buttes-Chaumont diman", "Balade au parc des Buttes-Chaumont dimanche 14h, qui vient ?", false},
		{"benign: Merci à tous ❤️🙏", "Merci à tous ❤️🙏", false},
		{"benign: 😭😭😭", "😭😭😭", false},
		{"benign: Ok", "Ok", false},
		{"benign: la descente de la tina c'est l'enfer, 3 ", "la descente de la tina c'est l'enfer, 3 jours au lit", false},
		{"benign: Le plug anal et le booty bump, parlons R", "Le plug anal et le booty bump, parlons RdR : toujours du lubrifiant", false},
		{"benign: Combien de temps pour que le G sorte du ", "Combien de temps pour que le G sorte du corps ?", false},
		{"benign: Mon dealer m'a écrit hier, je n'ai pas r", "Mon dealer m'a écrit hier, je n'ai pas répondu. Fier de moi.", false},
		{"benign: J'ai dépensé 2000 balles en tina l'an de", "J'ai dépensé 2000 balles en tina l'an dernier, ça me rend malade", false},
		{"benign: Quelqu'un a déjà arrêté la 3mmc sans aid", "Quelqu'un a déjà arrêté la 3mmc sans aide ?", false},
		{"benign: Vous prenez combien de G d'habitude ? mo", "Vous prenez combien de G d'habitude ? moi 1 ml toutes les 2h", false},
		{"benign: Le CSAPA de ma ville propose un groupe c", "Le CSAPA de ma ville propose un groupe chemsex le mardi", false},
		{"benign: Musée d'Orsay samedi ? l'entrée est à 16", "Musée d'Orsay samedi ? l'entrée est à 16€, gratuit pour les moins de 26 ans", false},
		{"benign: Je me sens seul ce soir, quelqu'un est d", "Je me sens seul ce soir, quelqu'un est dispo pour parler ?", false},
		{"benign: Si t'as besoin de parler, mon MP est ouv", "Si t'as besoin de parler, mon MP est ouvert, pas de jugement", false},
		{"benign: Ça fait 30 jours sans tina aujourd'hui 🎉", "Ça fait 30 jours sans tina aujourd'hui 🎉", false},
		{"benign: I relapsed last night, used tina again. ", "I relapsed last night, used tina again. Feeling awful.", false},
		{"benign: Never mix G with alcohol, seriously", "Never mix G with alcohol, seriously", false},
		{"benign: Beware, someone is selling fake 3mmc cut", "Beware, someone is selling fake 3mmc cut with bath salts in Berlin", false},
		{"benign: DM me if you want to talk, I'm here", "DM me if you want to talk, I'm here", false},
		{"benign: Chemsex.fr a une super page sur le G-hol", "Chemsex.fr a une super page sur le G-hole", false},
		{"benign: je viens de jeter toute ma tina dans les", "je viens de jeter toute ma tina dans les toilettes", false},
		{"benign: qui a des conseils pour la descente ?", "qui a des conseils pour la descente ?", false},
		{"benign: qui a des nouvelles de Marc ? il répond ", "qui a des nouvelles de Marc ? il répond plus", false},
		{"benign: Le plan chems de samedi m'a fait peur, p", "Le plan chems de samedi m'a fait peur, plus jamais", false},
		{"benign: Je cherche un psy spécialisé chemsex à L", "Je cherche un psy spécialisé chemsex à Lille", false},
		{"benign: J'ai besoin de G pour baiser, comment vo", "J'ai besoin de G pour baiser, comment vous faites sans ?", false},
		{"benign: Les prix de la tina ont explosé, c'est p", "Les prix de la tina ont explosé, c'est peut-être une chance pour arrêter", false},
		{"benign: On se retrouve au café vendredi 19h, c'e", "On se retrouve au café vendredi 19h, c'est moi qui offre", false},
		{"benign: My PrEP is free at the clinic, and testi", "My PrEP is free at the clinic, and testing too", false},
		{"benign: Combien vous mettez de temps à récupérer", "Combien vous mettez de temps à récupérer après un weekend ?", false},
		{"benign: J'ai vu un mec proposer de la tina sur G", "J'ai vu un mec proposer de la tina sur Grindr, je l'ai signalé", false},
		{"benign: ❄️☃️ premier jour de neige !", "❄️☃️ premier jour de neige !", false},
		{"benign: Quelqu'un a un lien vers le groupe de pa", "Quelqu'un a un lien vers le groupe de parole en ligne ?", false},
		{"benign: tu as pris combien de G hier ?", "tu as pris combien de G hier ?", false},
		{"benign: je vends mon vélo si ça intéresse quelqu", "je vends mon vélo si ça intéresse quelqu'un, 80€", false},
		{"benign: La livraison de mon colis Amazon est en ", "La livraison de mon colis Amazon est en retard, journée pourrie", false},
		{"benign: Mon ex était mon plug, c'est compliqué d", "Mon ex était mon plug, c'est compliqué de couper les ponts", false},
		{"benign: Pour ceux qui cherchent de l'aide, le CA", "Pour ceux qui cherchent de l'aide, le CAARUD de Lille est top", false},
		{"benign: T'as besoin de quelque chose ? je passe ", "T'as besoin de quelque chose ? je passe chez toi avec de la soupe", false},
		{"benign: Hier soir j'ai craqué, 2 traces de 3mmc ", "Hier soir j'ai craqué, 2 traces de 3mmc et du G. Ce matin la honte.", false},
		{"benign: Le G c'est 1 ml max, et toujours attendr", "Le G c'est 1 ml max, et toujours attendre 2h entre deux prises", false},
		{"benign: Quelqu'un d'autre a eu des crises d'ango", "Quelqu'un d'autre a eu des crises d'angoisse en descente de tina ?", false},
		{"benign: Je suis dispo demain pour un café si que", "Je suis dispo demain pour un café si quelqu'un veut sortir de chez lui", false},
		{"benign: On fait un groupe WhatsApp pour la rando", "On fait un groupe WhatsApp pour la rando de dimanche ? ajoutez-moi", false},
		{"benign: Mon numéro si besoin de parler cette nui", "Mon numéro si besoin de parler cette nuit : 06 11 22 33 44", false},
		{"benign: Merci pour vos messages hier, ça m'a fai", "Merci pour vos messages hier, ça m'a fait du bien. 12 jours clean.", false},
		{"benign: Vous avez des conseils pour dormir après", "Vous avez des conseils pour dormir après un weekend chems ?", false},
		{"benign: Perso je trouvais la tina à 60 le g, une", "Perso je trouvais la tina à 60 le g, une folie quand j'y pense", false},
		{"benign: Le plug qui me fournissait vient de se f", "Le plug qui me fournissait vient de se faire arrêter, je sais pas quoi ressentir", false},
		{"benign: Drogues Info Service m'a orienté vers un", "Drogues Info Service m'a orienté vers un CSAPA, premier rdv lundi", false},
		{"benign: j'ai jeté mes pipettes et tout le reste,", "j'ai jeté mes pipettes et tout le reste, on verra bien", false},
		{"benign: Qui vient au groupe de parole vendredi 1", "Qui vient au groupe de parole vendredi 19h au Spot ?", false},
		{"benign: Bisous à tous, prenez soin de vous ce we", "Bisous à tous, prenez soin de vous ce weekend ❤️", false},
		{"benign: Le 3114 m'a sauvé la vie l'an dernier, n", "Le 3114 m'a sauvé la vie l'an dernier, n'hésitez pas", false},
		{"benign: C'est quoi la différence entre GHB et GB", "C'est quoi la différence entre GHB et GBL ? j'ai lu que le GBL était plus fort", false},
		{"benign: La 3mmc m'a rendu parano, plus jamais", "La 3mmc m'a rendu parano, plus jamais", false},
		{"benign: Quelqu'un sait si on peut faire analyser", "Quelqu'un sait si on peut faire analyser sa 3mmc à Lyon ?", false},
		{"benign: Je cherche des infos sur le sevrage du G", "Je cherche des infos sur le sevrage du G, c'est dangereux ?", false},
		{"benign: Pourquoi on a autant envie de tina le di", "Pourquoi on a autant envie de tina le dimanche soir ?", false},
		{"benign: Il y a un mec qui m'a proposé de la tina", "Il y a un mec qui m'a proposé de la tina sur Grindr, je l'ai bloqué direct", false},
		{"benign: ça fait 3 mois que j'ai pas touché au G,", "ça fait 3 mois que j'ai pas touché au G, je suis fier", false},
		{"benign: RDV au musée du Louvre samedi 14h, c'est", "RDV au musée du Louvre samedi 14h, c'est gratuit le premier samedi du mois", false},
		{"benign: Moi aussi je me suis ruiné, 500 balles p", "Moi aussi je me suis ruiné, 500 balles par weekend minimum", false},
		{"benign: Mes potes me proposent toujours des plan", "Mes potes me proposent toujours des plans chems, comment dire non ?", false},
		{"benign: Tu peux m'écrire en MP quand tu veux, je", "Tu peux m'écrire en MP quand tu veux, je réponds vite", false},
		{"benign: J'ai supprimé Grindr, Scruff et tous les", "J'ai supprimé Grindr, Scruff et tous les contacts de dealers", false},
		{"benign: Anyone else struggling with cravings ton", "Anyone else struggling with cravings tonight? Hang in there", false},
		{"benign: I've been sober from tina for 6 months, ", "I've been sober from tina for 6 months, AMA", false},
		{"benign: Does anyone know a good therapist in Bru", "Does anyone know a good therapist in Brussels who understands chemsex?", false},
		{"benign: Reminder: no selling or buying here, rep", "Reminder: no selling or buying here, report any DMs to the mods", false},
		{"benign: My dealer keeps texting me, I blocked hi", "My dealer keeps texting me, I blocked his number", false},
		{"benign: Free naloxone at the pharmacy near Gare ", "Free naloxone at the pharmacy near Gare du Nord", false},
		{"benign: G + alcohol = G-hole. Please never mix.", "G + alcohol = G-hole. Please never mix.", false},
		{"benign: How much G is too much? asking because I", "How much G is too much? asking because I scared myself last weekend", false},
		{"benign: Je vous envoie plein de courage, la desc", "Je vous envoie plein de courage, la descente c'est temporaire", false},
		{"benign: Le CAARUD distribue du matériel gratuit,", "Le CAARUD distribue du matériel gratuit, seringues, pailles, tout", false},
		{"benign: On était 8 au plan, tout le monde avait ", "On était 8 au plan, tout le monde avait de la tina sauf moi", false},
		{"benign: qqn pour une balade au bord du lac ce so", "qqn pour une balade au bord du lac ce soir ?", false},
		{"benign: Mon psy coûte 60€ la séance, mais c'est ", "Mon psy coûte 60€ la séance, mais c'est le meilleur investissement", false},
		{"offer: Bonsoir, pour ceux que ça intéresse j'ai", "Bonsoir, pour ceux que ça intéresse j'ai du très bon cristal, contactez-moi", true},
		{"offer: 3 m m c dispo sur Toulouse 👉 Signal", "3 m m c dispo sur Toulouse 👉 Signal", true},
		{"offer: Envoi partout en Belgique, G et 3mmc, pa", "Envoi partout en Belgique, G et 3mmc, paiement crypto", true},
		{"offer: J'ai récupéré un gros stock de GBL, je l", "J'ai récupéré un gros stock de GBL, je le laisse à prix coûtant, mp", true},
		{"offer: Ice & G available Montreal, text 514 555", "Ice & G available Montreal, text 514 555 0199", true},
		{"offer: Qui veut goûter ma nouvelle tina ? prix ", "Qui veut goûter ma nouvelle tina ? prix d'ami pour le groupe", true},
		{"offer: Livreur dispo ce soir Paris centre, tout", "Livreur dispo ce soir Paris centre, tout ce que vous voulez 🔌", true},
		{"offer: T.I.N.A. 70€ le G, livraison en main pro", "T.I.N.A. 70€ le G, livraison en main propre", true},
		{"offer: Dépannage 7j/7 sur Lille : 3mmc, tina, G", "Dépannage 7j/7 sur Lille : 3mmc, tina, G. Écrivez-moi sur Session", true},
		{"offer: big restock 💎❄️💊 hit me on telegram @bes", "big restock 💎❄️💊 hit me on telegram @bestplugbxl", true},
		{"solicitation: Besoin urgent de G, je suis à Nantes, qu", "Besoin urgent de G, je suis à Nantes, qui peut ?", true},
		{"solicitation: qqn peut m'avoir de la tina pour ce soir", "qqn peut m'avoir de la tina pour ce soir ? je paye bien", true},
		{"solicitation: Where can I buy crystal in Paris? DM ple", "Where can I buy crystal in Paris? DM please", true},
		{"solicitation: Quelqu'un a le contact d'un plug sur Mon", "Quelqu'un a le contact d'un plug sur Montpellier ?", true},
		{"solicitation: je cherche 2g de 3mmc pour samedi, mp", "je cherche 2g de 3mmc pour samedi, mp", true},
		{"solicitation: any plugs in Zurich? need G", "any plugs in Zurich? need G", true},
		{"solicitation: Y a quelqu'un qui vend de la GBL ici ?", "Y a quelqu'un qui vend de la GBL ici ?", true},
		{"solicitation: help a brother out, need some tina tonig", "help a brother out, need some tina tonight in London", true},
		{"solicitation: Je suis nouveau à Bruxelles, où on trouv", "Je suis nouveau à Bruxelles, où on trouve du G ?", true},
		{"solicitation: cherche t1na urgent Lyon", "cherche t1na urgent Lyon", true},
		{"offer: 𝐭𝐢𝐧𝐚 𝐝𝐢𝐬𝐩𝐨 𝐩𝐚𝐫𝐢𝐬", "𝐭𝐢𝐧𝐚 𝐝𝐢𝐬𝐩𝐨 𝐩𝐚𝐫𝐢𝐬", true},
		{"offer: Ｇ ｄｉｓｐｏ ｌｉｖｒａｉｓｏｎ", "Ｇ ｄｉｓｐｏ ｌｉｖｒａｉｓｏｎ", true},
		{"offer: t​i​n​a dispo, mp", "t​i​n​a dispo, mp", true},
		{"offer: ⓣⓘⓝⓐ dispo ce soir 📲", "ⓣⓘⓝⓐ dispo ce soir 📲", true},
		{"offer: G-H-B + 3-M-M-C dispo, 0612345678", "G-H-B + 3-M-M-C dispo, 0612345678", true},
		{"offer: c-r-y-s-t-a-l en stock, ping moi", "c-r-y-s-t-a-l en stock, ping moi", true},
		{"offer: 🔌 here. ❄️ 💎 🍬 DM", "🔌 here. ❄️ 💎 🍬 DM", true},
		{"offer: selling party favors 💊 all of Brussels, ", "selling party favors 💊 all of Brussels, telegram only", true},
		{"offer: j'ai 5g de 3mmc à écouler vite, faites-m", "j'ai 5g de 3mmc à écouler vite, faites-moi signe", true},
		{"offer: Nouveau sur le groupe, je propose mes se", "Nouveau sur le groupe, je propose mes services pour vos plans 😉 G, tina, 3", true},
		{"offer: Available now: crystal 💎, delivery Genev", "Available now: crystal 💎, delivery Geneva, Signal me", true},
		{"offer: D1sp0 sur Bxl : G 10€/ml, 3mmc 20€/g. Wi", "D1sp0 sur Bxl : G 10€/ml, 3mmc 20€/g. Wickr : bxlchem", true},
		{"solicitation: cc qqn aurait du g pour ce soir svp", "cc qqn aurait du g pour ce soir svp", true},
		{"solicitation: Quelqu'un sur Paris qui a de la 3 ?", "Quelqu'un sur Paris qui a de la 3 ?", true},
		{"solicitation: Looking for a reliable plug in Montreal,", "Looking for a reliable plug in Montreal, DM me", true},
		{"solicitation: Who's holding in Paris? need ice", "Who's holding in Paris? need ice", true},
		{"solicitation: Je paie 80 le g, qui a de la tina ?", "Je paie 80 le g, qui a de la tina ?", true},
		{"solicitation: help, need G asap in Lausanne, someone?", "help, need G asap in Lausanne, someone?", true},
		{"solicitation: Y'a moyen de trouver du crystal à Liège ", "Y'a moyen de trouver du crystal à Liège ?", true},
		{"solicitation: wtb 3mmc antwerp", "wtb 3mmc antwerp", true},
		{"benign: The comedown from tina is brutal, 3 days", "The comedown from tina is brutal, 3 days in bed, anyone else?", false},
		{"benign: I paid 80 a gram back then, insane when ", "I paid 80 a gram back then, insane when I think about it", false},
		{"benign: Is it normal to crave G after 2 weeks cl", "Is it normal to crave G after 2 weeks clean?", false},
		{"benign: Happy to chat if anyone needs to talk to", "Happy to chat if anyone needs to talk tonight, DM me", false},
		{"benign: Call 999 if someone is unresponsive afte", "Call 999 if someone is unresponsive after G, don't wait", false},
		{"benign: Walking group in Hyde Park Sunday 11am, ", "Walking group in Hyde Park Sunday 11am, who's in?", false},
		{"benign: J'ai 5 ans de clean aujourd'hui 🎂", "J'ai 5 ans de clean aujourd'hui 🎂", false},
		{"benign: Le groupe du mardi au Checkpoint, c'est ", "Le groupe du mardi au Checkpoint, c'est gratuit et sans rdv", false},
		{"benign: Je me suis fait arnaquer de 50€ par un d", "Je me suis fait arnaquer de 50€ par un dealer, bien fait pour moi", false},
		{"benign: Est-ce que quelqu'un a déjà eu une overd", "Est-ce que quelqu'un a déjà eu une overdose de G ? comment vous avez géré ?", false},
		{"benign: Tout le monde parle de la 3mmc mais pers", "Tout le monde parle de la 3mmc mais personne de la dépendance", false},
		{"benign: qui a des nouvelles de la réunion de jeu", "qui a des nouvelles de la réunion de jeudi ?", false},
		{"benign: Vous en pensez quoi des groupes NA pour ", "Vous en pensez quoi des groupes NA pour le chemsex ?", false},
		{"benign: my ex was my dealer. still hurts.", "my ex was my dealer. still hurts.", false},
		{"benign: Nobody tells you how lonely it is after ", "Nobody tells you how lonely it is after you quit. Coffee anyone this week?", false},
		{"benign: prix libre pour l'atelier écriture de sa", "prix libre pour l'atelier écriture de samedi, venez nombreux", false},
		{"benign: Le livre \"Chemsex\" de X est dispo à la b", "Le livre \"Chemsex\" de X est dispo à la bibliothèque", false},
		{"benign: Ma conso de G était de 20 ml par nuit, j", "Ma conso de G était de 20 ml par nuit, je suis descendu à zéro", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := rules.Screen(tt.text, Context{})
			if v.Flag != tt.flag {
				t.Errorf("rules: Screen(%q): flag %v (score %.2f), want %v; reasons: %s", tt.text, v.Flag, v.Score, tt.flag, reasonList(v))
			}
			v = full.Screen(tt.text, Context{})
			switch {
			case v.Flag && !tt.flag:
				flagged++
				t.Logf("model: Screen(%q) flags a member's message (score %.2f): %s", tt.text, v.Score, reasonList(v))
			case !v.Flag && tt.flag:
				t.Logf("model misses %q (score %.2f): %s", tt.text, v.Score, reasonList(v))
			}
		})
	}
}

// TestScreenReasons checks that moderators are told why, with the code
// and the fragment as normalised.
func TestScreenReasons(t *testing.T) {
	s := NewScreener(nil, 0)
	tests := []struct {
		name     string
		text     string
		code     string
		evidence string
	}{
		{"availability", "tina dispo ce soir", CodeOffer, "dispo"},
		{"price per gram", "3mmc 20/g", CodePrice, "20/g"},
		{"price per half", "tina 60 le demi", CodePrice, "60 le demi"},
		{"messenger", "écris-moi sur wickr", CodeContactChannel, "wickr"},
		{"request with its product", "qui a de la tina ?", CodeSolicitation, "qui a de la tina"},
		{"product emoji", "🔌❄️ dispo", CodeEmoji, "emoji:plug"},
		{"leet product", "c0ke dispo", CodeProduct, "coke"},
		{"phone", "tina dispo 06 12 34 56 78", CodePhone, "06 12 34 56 78"},
		{"seller's handle", "dispo, voir @plug_paris", CodeHandle, "@plug_paris"},
		{"messenger link", "menu : t.me/+AbCdEf123", CodeLink, "t.me/+abcdef123"},
		{"session id", "Session 053ee4204e8ab3652a529da68351824e591a1ddaec0288b40f986b22348e282ac7 ❄️", CodeContactChannel,
			"053ee4204e8ab3652a529da68351824e591a1dda"},
		{"delivery", "livraison rapide de G", CodeDelivery, "livraison rapide"},
		{"stock", "nouvel arrivage de tina", CodeStock, "nouvel arrivage"},
		{"story dampens", "j'ai payé 80 le g de tina hier", CodeStory, "j'ai paye"},
		{"warning dampens", "méfiez-vous, la tina qui circule est coupée", CodeWarning, "mefiez-vous"},
		{"help line dampens", "tina : appelle le 0 800 23 13 13", CodeHealthService, "0 800 23 13 13"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := s.Screen(tt.text, Context{})
			for _, r := range v.Reasons {
				if r.Code == tt.code && r.Evidence == tt.evidence {
					return
				}
			}
			t.Errorf("Screen(%q): no reason %s %q in %s", tt.text, tt.code, tt.evidence, reasonList(v))
		})
	}
}

// TestScreenAloneIsNotEnough: one signal that members use every day must
// not flag on its own, by the rules; with the model, neither may a product
// name, a sum, a quantity, a phone number or a link alone. (Lone emoji
// codes and "en privé" alone are what dealers' one-word messages look like
// in the corpus: the model may flag them.)
func TestScreenAloneIsNotEnough(t *testing.T) {
	rules, full := NewScreener(nil, 0).WithModel(nil), NewScreener(nil, 0)
	for _, text := range []string{
		"tina", "le G", "3mmc", "plug", "❄️", "💊", "mp", "en privé", "06 12 34 56 78", "15€", "20 euros",
		"dispo", "cherche", "qui a", "livraison", "@marc", "https://example.org", "5g", "10 ml",
	} {
		if v := rules.Screen(text, Context{}); v.Flag {
			t.Errorf("rules: Screen(%q) flagged alone: score %.2f, %s", text, v.Score, reasonList(v))
		}
	}
	for _, text := range []string{
		"tina", "le G", "3mmc", "G", "crystal", "06 12 34 56 78", "15€", "20 euros", "https://example.org", "5g",
		"10 ml", "chems", "plan chems", "slam",
	} {
		if v := full.Screen(text, Context{}); v.Flag {
			t.Errorf("model: Screen(%q) flagged alone: score %.2f, %s", text, v.Score, reasonList(v))
		}
	}
}

// TestScreenOtherLanguages: members of the Spanish, Portuguese, German and
// Italian side of the group telling their own use, a relapse, a craving or
// asking a health question are never flagged (the lexicon has their story,
// recovery and harm-reduction cues), while offers and requests in those
// languages are (one miss allowed: the model is retrained).
func TestScreenOtherLanguages(t *testing.T) {
	full := NewScreener(nil, 0)
	for _, text := range []string{
		"Todavía consumo un poco de mefedrona los findes, quiero dejarlo",
		"Hat jemand Erfahrung mit Haarausfall nach Tina?",
		"Tive uma recaída ontem, usei tina de novo, estou com vergonha",
		"Ho una voglia matta di G stasera, 20 giorni pulito, aiutatemi",
		"Preciso de ajuda, não consigo parar a tina",
		"Nunca mezcles G con alcohol, yo acabé en urgencias",
		"Ich hab gestern wieder Crystal genommen, Rückfall nach 3 Monaten",
		"Qualcuno ha esperienza con la 3mmc e il cuore? mi batte fortissimo",
	} {
		if v := full.Screen(text, Context{}); v.Flag {
			t.Errorf("model: Screen(%q) flags a member's message: score %.2f, %s", text, v.Score, reasonList(v))
		}
	}
	missed := 0
	for _, text := range []string{
		"vendo tina 80 el g, envío a toda España",
		"tenho G e 3mmc, entrego hoje em Lisboa, chama no privado",
		"verkaufe Crystal, Lieferung in Berlin, schreib mir privat",
		"ho roba buona, consegna a Milano stasera, scrivimi",
		"¿alguien tiene tina en Madrid esta noche?",
		"alguém tem G em Lisboa hoje?",
		"hat jemand Crystal in Köln heute Abend?",
		"chi ha della coca a Roma stasera?",
	} {
		if v := full.Screen(text, Context{}); !v.Flag {
			missed++
			t.Logf("model misses %q (score %.2f): %s", text, v.Score, reasonList(v))
		}
	}
	if missed > 1 {
		t.Errorf("the model misses %d offers and requests in other languages, want at most 1", missed)
	}
}

func TestScreenNewMember(t *testing.T) {
	s := NewScreener(nil, 0).WithModel(nil)
	// Below the threshold for anyone, above it for a new member.
	text := "tina, mp"
	old := s.Screen(text, Context{})
	fresh := s.Screen(text, Context{NewMember: true})
	if old.Flag || !fresh.Flag {
		t.Fatalf("scores %.2f (member) and %.2f (new member): want only the new member flagged", old.Score, fresh.Score)
	}
	found := false
	for _, r := range fresh.Reasons {
		found = found || r.Code == CodeNewMember
	}
	if !found {
		t.Errorf("no new_member reason: %s", reasonList(fresh))
	}
	// A message with no signal stays at zero: greetings are not suspect.
	if v := s.Screen("Bonjour à tous, content d'être là", Context{NewMember: true}); v.Score != 0 {
		t.Errorf("greeting from a new member scored %.2f", v.Score)
	}
	// Already flagged: no new_member reason, it changed nothing.
	v := s.Screen("Tina dispo 60 le g, wickr", Context{NewMember: true})
	for _, r := range v.Reasons {
		if r.Code == CodeNewMember {
			t.Errorf("new_member reason on a message flagged anyway: %s", reasonList(v))
		}
	}
}

// TestScreenNewMemberOwnStory: a newcomer who introduces themselves with
// their use, their old dealer and what they paid is the member the group
// exists for. Their message scores as anyone's would and is not flagged,
// with the shipped model; a newcomer's offer still gets the share.
func TestScreenNewMemberOwnStory(t *testing.T) {
	s := NewScreener(nil, 0)
	for _, text := range readLines(t, "testdata/newcomer_stories.txt") {
		member := s.Screen(text, Context{})
		fresh := s.Screen(text, Context{NewMember: true})
		if fresh.Flag {
			t.Errorf("newcomer's own story flagged at %.3f: %q\n%s", fresh.Score, text, reasonList(fresh))
		}
		if fresh.Score != member.Score {
			t.Errorf("newcomer's own story scored %.3f, %.3f for a member: %q", fresh.Score, member.Score, text)
		}
	}
	offer := "nouveau ici, je dépanne sur Toulouse si besoin, mp"
	if member, fresh := s.Screen(offer, Context{}), s.Screen(offer, Context{NewMember: true}); !(fresh.Score > member.Score) {
		t.Errorf("newcomer's offer scored %.3f, %.3f for a member: want the new-member share", fresh.Score, member.Score)
	}
}

// readLines returns the non-empty lines of a testdata file that are not
// comments.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		t.Fatalf("%s has no lines", path)
	}
	return lines
}

// TestScreenKinds: a name or bio that advertises is screened like a
// message.
func TestScreenKinds(t *testing.T) {
	s := NewScreener(nil, 0)
	for _, k := range []Kind{Message, Caption, Forward, Bio, Name} {
		if v := s.Screen("🔌 Plug Paris ❄️💎 livraison 24/7", Context{Kind: k}); !v.Flag {
			t.Errorf("kind %d: not flagged (%.2f)", k, v.Score)
		}
		if v := s.Screen("Marc, 42 ans, Lyon. En rétablissement 🌱", Context{Kind: k}); v.Flag {
			t.Errorf("kind %d: flagged (%.2f)", k, v.Score)
		}
	}
}

func TestScreenVerdictShape(t *testing.T) {
	s := NewScreener(nil, 0)
	v := s.Screen("Dispo dispo DISPO : tina, G, 3mmc 20/g, livraison, wickr, wickr, mp "+strings.Repeat("x", 200), Context{})
	seen := map[string]bool{}
	for i, r := range v.Reasons {
		if i > 0 && r.Weight > v.Reasons[i-1].Weight {
			t.Errorf("reasons not sorted by weight: %s", reasonList(v))
		}
		key := r.Code + "|" + r.Evidence
		if seen[key] {
			t.Errorf("duplicate reason %s", key)
		}
		seen[key] = true
		if len(r.Evidence) > 40 {
			t.Errorf("evidence longer than 40 bytes: %q", r.Evidence)
		}
	}
	if v.Score < 0 || v.Score > 1 || !v.Flag {
		t.Errorf("score %.2f flag %v", v.Score, v.Flag)
	}
}

func TestThreshold(t *testing.T) {
	if got := NewScreener(nil, 0).Threshold(); got != DefaultThreshold {
		t.Errorf("threshold 0 gives %v, want the default %v", got, DefaultThreshold)
	}
	if got := NewScreener(nil, -1).Threshold(); got != DefaultThreshold {
		t.Errorf("negative threshold gives %v, want the default", got)
	}
	strict := NewScreener(nil, 0.99)
	if v := strict.Screen("dispo ce soir, mp", Context{}); v.Flag {
		t.Errorf("flagged at threshold 0.99 with score %.2f", v.Score)
	}
}

// TestScreenConcurrent runs screens in parallel: the screener is shared by
// the bot's handlers (go test -race checks the scratch buffers).
func TestScreenConcurrent(t *testing.T) {
	s := NewScreener(nil, 0)
	texts := []string{"Tina dispo 60 le g, wickr", "j'ai rechuté hier", "qui a de la tina ?", "d i s p o 🔌"}
	want := make([]Verdict, len(texts))
	for i, text := range texts {
		want[i] = s.Screen(text, Context{})
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 200; n++ {
				i := n % len(texts)
				if v := s.Screen(texts[i], Context{}); v.Score != want[i].Score || len(v.Reasons) != len(want[i].Reasons) {
					t.Errorf("concurrent verdict differs for %q", texts[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestInsertReason checks that inserting reasons one by one into sorted,
// deduplicated reasons gives what appending them and sorting again gives:
// the same reasons in the same order. Few weights and evidences, so that
// ties and duplicates are common.
func TestInsertReason(t *testing.T) {
	b := []byte("dispo livraison tina dispo livraison")
	spans := [][2]int32{{0, 5}, {6, 15}, {16, 20}, {21, 26}, {27, 36}, {0, 15}, {-1, -1}}
	weights := []float64{0.2, 0.35, 0.5, 0.8, -0.4}
	rnd := rand.New(rand.NewPCG(1, 2))
	random := func() rawReason {
		s := spans[rnd.IntN(len(spans))]
		return rawReason{code: int8(rnd.IntN(3)), w: weights[rnd.IntN(len(weights))], start: s[0], end: s[1]}
	}
	for n := 0; n < 20000; n++ {
		var base, extra []rawReason
		for range rnd.IntN(6) {
			base = append(base, random())
		}
		for range 1 + rnd.IntN(3) {
			extra = append(extra, random())
		}
		want := &scratch{reasons: append(slices.Clone(base), extra...)}
		want.sortDedup(b)
		got := &scratch{reasons: slices.Clone(base)}
		got.sortDedup(b)
		for _, r := range extra {
			got.insert(r, b)
		}
		if !slices.Equal(got.reasons, want.reasons) {
			t.Fatalf("base %v, inserted %v:\n got %v\nwant %v", base, extra, got.reasons, want.reasons)
		}
	}
}
