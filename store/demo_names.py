"""What the demo district is made of: the names, titles, notes and charges it draws from
(store/demo.py and store/demo_people.py draw them, deterministically for a seed).

The names are written as comma-separated text, a block a line, to keep a few hundred of them
readable; ``_names`` splits them."""

from __future__ import annotations


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.replace("\n", ",").split(",") if name.strip()]


def _traditions(text: str) -> list[list[list[str]]]:
    """Blocks of "roots | endings", a blank line between them."""
    return [[_names(part) for part in block.split("|")] for block in text.split("\n\n")]


# Given names of a diverse school, accents and all; any may be a middle name too.
FIRST = _names("""
    Aaliyah, Aarav, Abigail, Adrián, Ahmed, Aiden, Aisha, Alejandro, Alexander, Alexis,
    Alicia, Amara, Amelia, Amir, Ana, Anaya, André, Andrew, Ángel, Anna, Anthony, Arjun,
    Aryan, Asher, Aubrey, Ava, Axel, Ayesha, Beatriz, Benjamin, Bianca, Björn, Brandon,
    Brianna, Brooklyn, Caleb, Camila, Carlos, Carmen, Carter, Cecilia, Chen, Chloé,
    Christopher, Claire, Cristina, Daniel, Daniela, Darla, David, Deja, Derek, Diego,
    Dmitri, Dylan, Elena, Elías, Elijah, Elizabeth, Ella, Élodie, Emily, Emma, Esperanza,
    Ethan, Eva, Evelyn, Ezra, Farah, Fatima, Felipe, Fernando, Fiona, Francesca, Francisco,
    Gabriel, Gabriella, Grace, Guadalupe, Gustavo, Hailey, Hana, Hannah, Harper, Hassan,
    Hiroshi, Hudson, Ian, Ibrahim, Imani, Ingrid, Isaac, Isabella, Ivan, Jacob, Jada,
    Jamal, James, Jasmine, Javier, Jayden, Jean-Luc, Jennifer, Jesús, Jin, Joaquín,
    Jonathan, Jordan, José, Joseph, Joshua, Juan, Julia, Julián, Kai, Kaito, Katherine,
    Kayla, Kenji, Khalid, Kiara, Laila, Layla, Leilani, Leo, Liam, Lily, Lucas, Lucía,
    Luis, Madison, Malik, Marcus, Margaret, María, Mariana, Marisol, Mary-Kate, Mateo,
    Matthew, Maya, Mei, Mia, Michael, Miguel, Mohammed, Nadia, Naomi, Natalia, Nathaniel,
    Nia, Nicholas, Nikolai, Noah, Noor, Nora, Olivia, Omar, Oscar, Owen, Penelope, Priya,
    Rafael, Raúl, Rebecca, Renée, Ricardo, Riley, Rohan, Rosa, Ryan, Sakura, Samuel,
    Santiago, Sara, Savannah, Sebastián, Seo-yeon, Siobhán, Sofía, Søren, Stella, Sung-min,
    Tariq, Thandiwe, Theodore, Thomas, Tomás, Valentina, Victoria, Vikram, Wei, William,
    Wyatt, Ximena, Yara, Yusuf, Zachary, Zainab, Zara, Zoë, Zuri
""")
# Some patrons go by a nickname (Reset Patron Accounts' "Use Nickname when available").
NICKNAMES = {
    "Abigail": "Abby",
    "Alejandro": "Alex",
    "Alexander": "Xander",
    "Amelia": "Millie",
    "Andrew": "Drew",
    "Anthony": "Tony",
    "Benjamin": "Ben",
    "Christopher": "Chris",
    "Daniel": "Danny",
    "Dmitri": "Dima",
    "Elizabeth": "Liz",
    "Evelyn": "Evie",
    "Francisco": "Paco",
    "Gabriella": "Gabi",
    "Guadalupe": "Lupe",
    "Isabella": "Bella",
    "Jennifer": "Jen",
    "Jonathan": "Jon",
    "José": "Pepe",
    "Joseph": "Joe",
    "Katherine": "Kate",
    "Lucas": "Luke",
    "Margaret": "Maggie",
    "Matthew": "Matt",
    "Michael": "Mike",
    "Natalia": "Talia",
    "Nathaniel": "Nate",
    "Nicholas": "Nick",
    "Nikolai": "Kolya",
    "Olivia": "Liv",
    "Penelope": "Penny",
    "Rebecca": "Becca",
    "Samuel": "Sam",
    "Theodore": "Teddy",
    "Thomas": "Tom",
    "Victoria": "Tori",
    "William": "Will",
    "Zachary": "Zach",
}
# Surnames as common as a district's, the most common first (demo_people draws these most).
SURNAMES = _names("""
    Smith, Johnson, Williams, Brown, Jones, García, Miller, Davis, Rodríguez, Martínez,
    Hernández, López, González, Wilson, Anderson, Thomas, Taylor, Moore, Jackson, Martin,
    Lee, Pérez, Thompson, White, Harris, Sánchez, Clark, Ramírez, Lewis, Robinson, Walker,
    Young, Allen, King, O'Brien, Wright, Scott, Torres, Núñez, Nguyễn, Hill, Flores, Green,
    Adams, Nelson, Baker, Hall, Rivera, Campbell, Mitchell, Carter, Roberts, Gómez,
    Phillips, Evans, Turner, Díaz, Parker, Cruz, Edwards, Collins, Reyes, Stewart, Morris,
    Morales, Murphy, Cook, O'Connor, Rogers, Gutiérrez, Ortiz, Morgan, Cooper, Peterson,
    Bailey, Reed, Kelly, Howard, Ramos, Kim, Cox, Ward, Richardson, Watson, Brooks, Chávez,
    Wood, James, Bennett, Gray, Mendoza, Ruiz, Hughes, Price, Álvarez, Castillo, Sanders,
    Patel, Myers, Long, Ross, Foster, O'Neill, Jiménez, Powell, Jenkins, Perry, Russell,
    Sullivan, Bell, Coleman, Butler, Henderson, Barnes, Fisher, Vásquez, Simmons, Romero,
    Jordan, Patterson, Alexander, Hamilton, Graham, Reynolds, Griffin, Wallace, Moreno,
    West, Cole, Hayes, Bryant, Herrera, Gibson, Ellis, Trần, Medina, Aguilar, Stevens,
    Murray, Ford, Castro, Marshall, Owens, Harrison, Fernández, McDonald, Woods, Washington,
    Kennedy, Wells, Vargas, Henry, Chen, Freeman, Webb, Tucker, Guzmán, Burns, Crawford,
    Olson, Simpson, Porter, Hunter, Gordon, Méndez, Silva, Shaw, Snyder, Mason, Dixon,
    Muñoz, Hunt, Hicks, Holmes, Palmer, Wagner, Black, Robertson, Boyd, Rose, Stone,
    Salazar, Fox, Warren, Mills, Meyer, Rice, Schmidt, Wang, Li, Zhang, Liu, Huang, Wu, Lin,
    Yang, Park, Choi, Jung, Kang, Cho, Yoon, Lê, Phạm, Hoàng, Vũ, Đặng, Bùi, Đỗ, Ngô, Singh,
    Kumar, Shah, Sharma, Gupta, Reddy, Rao, Iyer, Mehta, Desai, Joshi, Nair, Chopra, Kapoor,
    Banerjee, Chatterjee, Das, Khan, Ali, Ahmed, Hassan, Hussein, Haddad, Khoury, Mansour,
    Nasser, Rahman, Yılmaz, Kaya, Demir, Şahin, Çelik, Öztürk, Okafor, Adeyemi, Okonkwo,
    Mensah, Owusu, Diallo, Traoré, Ndiaye, Mwangi, Kamau, Abebe, Tesfaye, O'Sullivan,
    O'Reilly, O'Donnell, O'Malley, O'Hara, McCarthy, McLaughlin, McKenzie, MacDonald,
    MacLeod, McGrath, Müller, Schneider, Fischer, Weber, Becker, Schäfer, Koch, Richter,
    Wolf, Schröder, Neumann, Schwarz, Zimmermann, Krüger, Hoffmann, Braun, Kowalski, Nowak,
    Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, Zieliński, Szymański, Dąbrowski,
    Novák, Dvořák, Horváth, Nagy, Tóth, Szabó, Kovács, Popescu, Ivanov, Petrov, Smirnov,
    Kuznetsov, Popov, Sokolov, Kovalenko, Shevchenko, Bondarenko, Jovanović, Petrović,
    Nikolić, Marković, Đorđević, Dubois, Lefèvre, Moreau, Laurent, Girard, Bonnet, Rousseau,
    Fournier, Lambert, Fontaine, Mercier, Rossi, Russo, Ferrari, Esposito, Bianchi, Romano,
    Colombo, Ricci, Marino, Greco, Bruno, Gallo, Conti, De Luca, Costa, Santos, Oliveira,
    Pereira, Ferreira, Alves, Carvalho, Gonçalves, Sousa, Rocha, Jensen, Nielsen, Hansen,
    Pedersen, Andersen, Larsen, Johansson, Karlsson, Nilsson, Eriksson, Lindqvist,
    Østergaard, Bjørnsson, Virtanen, Korhonen, Mäkinen, Van der Berg, Van Dijk, De Vries,
    Janssen, Bakker, Visser, Papadopoulos, Georgiou, Nikolaidis, Cohen, Levy, Friedman,
    Goldberg, Katz, Nakamura, Tanaka, Suzuki, Watanabe, Takahashi, Yamamoto, Kobayashi,
    Sato, Ito, Kahananui, Kealoha, Begay, Yazzie, Tsosie, Benally, Anaya, Delgado, Vega,
    Cabrera, Espinoza, Navarro, Sandoval, Acosta, Contreras, Figueroa, Domínguez, Cortés,
    Velásquez, Fuentes, Ibáñez, Peña, Quiñones, Echeverría, Saldaña
""")
# Rarer surnames, made up as real ones are: a root and an ending of one tradition
# (Ash + worth, Rosen + thal, Lind + qvist, Yama + shita): "roots | endings", a blank line
# between traditions, "_" a space kept ("Van_der_" + "Berg").
SURNAME_PARTS = _traditions("""
    Ash, Black, Brad, Bram, Brook, Burn, Cald, Carl, Church, Cliff, Crom, Dal, Dun, East,
      Fair, Farn, Fen, Fern, Gold, Good, Green, Hal, Ham, Hart, Haw, Hay, Hazel, Heath,
      Hol, Horn, Hunt, King, Lang, Lock, Lyn, Mar, Mid, Mil, Moor, Nor, North, Oak, Pem,
      Pen, Red, Ring, Rock, Rush, Sand, Shel, Sher, South, Stan, Stock, Sun, Thorn, Wal,
      War, Wat, West, Whit, Win, Wood, Wor, Yar, Ather, Bar, Brom, Bux, Chad, Dart, Elm,
      Hather, Kirk, Lox, Med, Nether, Pad, Pres, Sal, Sil, Tre, Wend, Wes, Alder, Ames,
      Bay, Birch, Cran, Dray, Ever, Fox, Glad, Gren, Hob, Lark, Maple, Pine, Rad, Ship
      | ton, ley, well, wood, ford, field, by, worth, more, ham, stead, bury, wick, dale,
      ridge, brook, land, croft, cott, hill, shaw, ing, stone, burn, combe, den, gate,
      hurst, thorpe, low, mere, over, holt, court

    Adam, Ander, Ben, Dick, Dob, Edmund, Fergu, Gib, Harri, Hodg, Hutchin, Jame,
      Jenkin, Law, Mat, Nichol, Peter, Rob, Sim, Steven, Thom, Wat, Wilkin, Will
      | son

    Acker, Alt, Bau, Bech, Blum, Brand, Eisen, Engel, Fried, Gold, Grün, Hart, Hein,
      Hoch, Hof, Kirch, Klein, Kohl, Lieb, Linden, Mandel, Nuss, Rosen, Roth, Schön,
      Silber, Sommer, Wald, Wein, Weiss, Winter, Zimmer, Löwen, Ehren, Morgen, Apfel,
      Falken, Lichten, Stern, Tannen
      | berg, stein, feld, mann, thal, baum, haus, bach, heim, hofer, wald, dorf, burger,
      meier, hardt, felder, blatt, ner

    Lind, Berg, Sjö, Ny, Dahl, Ek, Holm, Sand, Lund, Hag, Wall, Ström, Fors, Mal, Hed,
      Stål, Ås, Ask, Björk, Gran, Lilje, Sol, Strand, Norr, Väster, Öster, Al, Ros, Eng, Hög
      | qvist, gren, ström, berg, lund, dahl, holm, blad, man, ell, borg, vall, sten, by,
      gård, näs, mark, feldt

    Bor, Chmiel, Grab, Jasin, Kamin, Kras, Lipin, Malin, Mazur, Michal, Nowic, Ryb,
      Sikor, Sobol, Tomasz, Wol, Bogd, Dobr, Horod, Kalin, Levch, Moroz, Pav, Rad, Sav,
      Stan, Vlad, Zar, Kral, Vesel, Bartos, Jankow, Kowal, Marcin, Petrus, Sokol
      | ski, owski, ewicz, czyk, iak, ek, enko, ov, ić, ovich, uk, ák

    Amat, Bell, Bianch, Bon, Cald, Capp, Card, Carb, Cast, Colomb, Cont, Corr, Ferr, Fior,
      Gall, Giord, Lomb, Lucch, Marc, Marin, Mor, Ner, Pell, Ricc, Ross, Russ, Sant, Serr,
      Tost, Valent, Vit, Zan, Barb, Benedett, Orland, Pagan, Pasqual, Rinald, Savin, Fabr
      | i, o, elli, ini, etti, one, ano, ucci, ato, ese, acci, otti, ella

    Agu, Alc, Arr, Bar, Bel, Cab, Cal, Cam, Car, Cas, Cerv, Cor, Esc, Fig, Gal, Guerr,
      Lar, Lob, Mac, Mad, Mar, Mir, Mol, Mont, Nav, Pach, Pal, Par, Quint, Rib, Sal, Tor,
      Val, Vill, Zam, Bust, Carr, Sot, Olm, Pin
      | ado, ero, eda, illo, era, ares, ante, ino, eira, ana, oza

    Papad, Nikol, Georg, Dimitr, Konstantin, Christ, Athan, Stavr, Vasil, Theodor, Kar,
      Mich, Ioann, Petr, Spyr, Anast, Marin, Zach, Kyri, Pan
      | opoulos, idis, akis, iou, atos, ides, as, elis

    Yama, Ta, Naka, Ko, Ishi, Matsu, Ki, Mori, Ike, Fuji, Haya, Taka, Kawa, Hashi, Shima,
      Sugi, Ino, Kuro, Shira, Aka, Oka, Hon, Kita, Nishi, Uchi, Maru, Sakura, Hoshi
      | moto, da, naka, mura, kawa, yama, shita, guchi, hara, saki, no, bayashi, zawa, oka,
      mori, hata, jima, zaki, ta

    Vir, Kor, Mäki, Lah, Heik, Niem, Salo, Kos, Jär, Räs, Häm, Lehti, Kallio, Mets, Tuom,
      Lauk, Pel, Vaar, Hyv, Lind
      | tanen, honen, nen, inen, lä, mäki, niemi, koski, salo, järvi

    Krishna, Subra, Venkat, Rama, Srini, Naraya, Bala, Gopal, Ragha, Sunda, Siva, Chandra,
      Hari, Lakshmi, Murali, Vijaya
      | n, murthy, swamy, iah, raman, nathan, chandran, sekar, kumar

    Ade, Olu, Oluwa, Ayo, Ola, Obi, Chukwu, Nwa
      | yemi, wale, bayo, tunde, sola, kunle, wumi, femi, dike, eze

    Mc, Mac
      | Allister, Bride, Cann, Carthy, Cormack, Donald, Dougall, Elroy, Ewan, Farland,
      Gill, Gowan, Grath, Guire, Intyre, Kay, Kenna, Kenzie, Kinnon, Lean, Leod, Mahon,
      Millan, Namara, Neil, Nulty, Pherson, Quarrie, Rae, Tavish

    O'
      | Brien, Connor, Donnell, Hara, Keefe, Leary, Malley, Neill, Reilly, Rourke, Shea,
      Toole, Dwyer, Callaghan, Dowd, Flaherty, Gorman, Halloran, Mara, Sullivan

    Van_der_, Van_den_, Van_, De_
      | Berg, Bosch, Dijk, Hoven, Meer, Veen, Broek, Heuvel, Linden, Wal, Velde, Horst,
      Laan, Beek, Graaf, Brink
""")
TITLES = [
    "Charlotte's Web",
    "Holes",
    "Wonder",
    "The Giver",
    "Hatchet",
    "Matilda",
    "Dog Man",
    "Because of Winn-Dixie",
    "Bridge to Terabithia",
    "The Hobbit",
    "Frindle",
    "Smile",
]
NOTE_TEXT = {
    "Contact": "Call parent before sending notices",
    "General": "Prefers large print",
    "Alert": "Needs to meet with librarian",
    "Category": "Summer reading program",
}
CHARGES = [
    ("Lost", "Lost"),
    ("Overdue Fine", ""),
    ("Damaged item", ""),
    ("Printing", ""),
    ("Replacement card", ""),
    ("Processing fee", "Lost"),
]
# Where the demo's patrons get mail: each school's domain (example.org: a domain reserved
# for examples, so no real person is ever written to) and two home providers.
SCHOOL_DOMAINS = {
    "ELM": "elmstreet.example.org",
    "MID": "lincolnms.example.org",
    "HIGH": "centralhs.example.org",
    "UNION": "district.example.org",
}
HOME_DOMAINS = ["mail.example.com", "inbox.example.net"]
