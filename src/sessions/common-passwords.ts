/**
 * About 1,000 of the most common passwords, for the password policy's blocklist (NIST
 * SP 800-63B-4 §3.1.1.2: refuse values known to be commonly used, expected or compromised).
 *
 * Written from general knowledge of the top of public breach-corpus lists, not copied from any
 * one of them: digit runs, keyboard walks, the perennial favourites, and above all the
 * favourites with the endings people add to get past a length rule ("password1234",
 * "qwertyuiop123", "welcome@2024"), since a minimum length of 12 is what Tessera asks for.
 * Every entry is lower case, NFKC and at least 8 code points long: no configurable minimum is
 * below 8, so shorter entries could never match. Quality over quantity: a list of millions
 * belongs in a breached-password service, not in the package. Entries with a year run to 2026:
 * add the new year each January.
 *
 * A TypeScript module rather than a data file so that `tsc` emits it into dist/ with no copy
 * step and it loads with the code, with no file-system read.
 */

/** Split a block of whitespace-separated entries. */
function words(text: string): string[] {
  return text.split(/\s+/).filter((word) => word !== '');
}

/** The list, frozen. Look entries up with {@link isCommonPassword}. */
export const COMMON_PASSWORDS: readonly string[] = Object.freeze([
  // Digit runs and number patterns.
  ...words(`
    12345678 123456789 1234567890 12345678910 0123456789 01234567890 987654321 9876543210
    0987654321 123456789a 1234567899 12345678900 123456789123 123456789012 1234567890123
    12345678901234 123456123456 123123123123 121212121212 112233445566 123412341234
    123451234512345 1234512345 12341234 12121212 11223344 11112222 12344321 123123123 123321123
    123456654321 1234554321 123454321 147258369 147852369 159753123 159357456 741852963 963852741
    789456123 789456123123 147258369147 369258147 1357924680 2468013579 13579246 135792468
    31415926 3141592653 314159265358 5201314520 5211314521 00000001 01010101 10101010
    20102010 19871987 19901990 12345678a 123456789q 1234567890q 1234567q 123456qq 123456aa
    123456abc 123456qwe 123456qwerty 123456asd 1234abcd 1234qwer 12qwaszx 12qwaszx12
    1q2w3e4r5t6y7u8i
  `),
  // Keyboard walks (QWERTY, AZERTY, QWERTZ).
  ...words(`
    qwertyui qwertyuiop qwertyuiop123 qwertyuiop1234 qwertyuiop[] qwertyuiopasdfghjkl
    qwertyuiopasdfghjklzxcvbnm qwertyqwerty qwerty123456789 qwerty1234567890 qwertyu1 qwerty12
    qwertyuiop1 qwertyui1 qwertyasdf qwertyasdfgh qwertyasdfzxcv asdfghjk asdfghjkl asdfghjkl;
    asdfghjkl123 asdfghjkl1234 asdfasdf asdfasdfasdf asdf1234 asdf12345 asdfqwer asdfjkl; asdfzxcv
    zxcvbnm1 zxcvbnm123 zxcvbnm,./ zxcvbnmasdfghjkl zxcvbnm1234 zxcvasdf zxcvasdfqwer 1qaz2wsx
    1qaz2wsx3edc 1qaz2wsx3edc4rfv 1qaz@wsx 1qaz!qaz 1qazxsw2 1qazzaq1 !qaz2wsx !qaz@wsx !qaz1qaz
    !qaz2wsx3edc 2wsx3edc 3edc4rfv zaq12wsx zaq1zaq1 zaq!2wsx zaq12wsxcde3 zaq1xsw2 zaq1xsw2cde3
    1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y 1q2w3e4r5t6y7u 1q2w3e4r! !q2w3e4r 1q1q1q1q q1w2e3r4
    q1w2e3r4t5 q1w2e3r4t5y6 qazwsxedc qazwsxedcrfv qazwsxedc123 qazwsx123 qazwsx1234 qazxswedc
    qweasdzxc qweasdzxc123 qweqweqwe qwe123qwe qwe123456 qweasd123 123qweasd 123qweasdzxc
    1234qwerasdf 1234qwerasdfzxcv qwer1234 qwer1234! qwerasdf qwerasdfzxcv asdzxc123 azertyuiop
    azerty123 azerty1234 azertyuiop123 qwertzuiop qwertz123 qwertz1234 poiuytrewq lkjhgfdsa
    mnbvcxz1 mnbvcxzasdfghjkl 1qa2ws3ed q2w3e4r5 a1s2d3f4 z1x2c3v4 1a2s3d4f
  `),
  // Alphabet runs.
  ...words(`
    abcdefgh abcdefghi abcdefghij abcdefghijk abcdefghijkl abcdefghijklm
    abcdefghijklmnopqrstuvwxyz abcdefg1 abcdef12 abcdef123 abcdef1234 abc12345 abc123456
    abc1234567 abc123456789 abc123abc abcabc123 abcabcabc abcd1234 abcd12345 abcd123456 abcd1234!
    a1b2c3d4 a1b2c3d4e5 a1b2c3d4e5f6 1a2b3c4d 1a2b3c4d5e aa123456 aaa12345 aaa111aaa a1234567
    a12345678 a123456789 1234567a
  `),
  // Top passwords with the endings people add to pass a length rule.
  ...words(`
    password password1 password12 password123 password1234 password12345 password123456 password1!
    password123! password1234! password! password@123 password@1234 password#1 password01
    password2019 password2020 password2021 password2022 password2023 password2024 password2025
    password2026 password@2022 password@2023 password@2024 password@2025 password@2026 passw0rd
    passw0rd1 passw0rd12 passw0rd123 passw0rd1234 passw0rd12345 passw0rd123456 passw0rd1!
    passw0rd123! passw0rd1234! passw0rd! passw0rd@123 passw0rd@1234 passw0rd#1 passw0rd01
    passw0rd2019 passw0rd2020 passw0rd2021 passw0rd2022 passw0rd2023 passw0rd2024 passw0rd2025
    passw0rd2026 passw0rd@2022 passw0rd@2023 passw0rd@2024 passw0rd@2025 passw0rd@2026 p@ssw0rd
    p@ssw0rd1 p@ssw0rd12 p@ssw0rd123 p@ssw0rd1234 p@ssw0rd12345 p@ssw0rd123456 p@ssw0rd1!
    p@ssw0rd123! p@ssw0rd1234! p@ssw0rd! p@ssw0rd@123 p@ssw0rd@1234 p@ssw0rd#1 p@ssw0rd01
    p@ssw0rd2019 p@ssw0rd2020 p@ssw0rd2021 p@ssw0rd2022 p@ssw0rd2023 p@ssw0rd2024 p@ssw0rd2025
    p@ssw0rd2026 p@ssw0rd@2022 p@ssw0rd@2023 p@ssw0rd@2024 p@ssw0rd@2025 p@ssw0rd@2026 qwerty123
    qwerty1234 qwerty12345 qwerty123456 qwerty1! qwerty123! qwerty1234! qwerty@123 qwerty@1234
    qwerty#1 qwerty01 qwerty2019 qwerty2020 qwerty2021 qwerty2022 qwerty2023 qwerty2024 qwerty2025
    qwerty2026 qwerty@2022 qwerty@2023 qwerty@2024 qwerty@2025 qwerty@2026 iloveyou iloveyou1
    iloveyou12 iloveyou123 iloveyou1234 iloveyou12345 iloveyou123456 iloveyou1! iloveyou123!
    iloveyou1234! iloveyou! iloveyou@123 iloveyou@1234 iloveyou#1 iloveyou01 iloveyou2019
    iloveyou2020 iloveyou2021 iloveyou2022 iloveyou2023 iloveyou2024 iloveyou2025 iloveyou2026
    iloveyou@2022 iloveyou@2023 iloveyou@2024 iloveyou@2025 iloveyou@2026 welcome1 welcome12
    welcome123 welcome1234 welcome12345 welcome123456 welcome1! welcome123! welcome1234! welcome!
    welcome@123 welcome@1234 welcome#1 welcome01 welcome2019 welcome2020 welcome2021 welcome2022
    welcome2023 welcome2024 welcome2025 welcome2026 welcome@2022 welcome@2023 welcome@2024
    welcome@2025 welcome@2026 letmein1 letmein12 letmein123 letmein1234 letmein12345 letmein123456
    letmein1! letmein123! letmein1234! letmein! letmein@123 letmein@1234 letmein#1 letmein01
    letmein2019 letmein2020 letmein2021 letmein2022 letmein2023 letmein2024 letmein2025
    letmein2026 letmein@2022 letmein@2023 letmein@2024 letmein@2025 letmein@2026 changeme
    changeme1 changeme12 changeme123 changeme1234 changeme12345 changeme123456 changeme1!
    changeme123! changeme1234! changeme! changeme@123 changeme@1234 changeme#1 changeme01
    changeme2019 changeme2020 changeme2021 changeme2022 changeme2023 changeme2024 changeme2025
    changeme2026 changeme@2022 changeme@2023 changeme@2024 changeme@2025 changeme@2026 admin123
    admin1234 admin12345 admin123456 admin123! admin1234! admin@123 admin@1234 admin2019 admin2020
    admin2021 admin2022 admin2023 admin2024 admin2025 admin2026 admin@2022 admin@2023 admin@2024
    admin@2025 admin@2026 monkey123 monkey1234 monkey12345 monkey123456 monkey1! monkey123!
    monkey2024 monkey2025 dragon123 dragon1234 dragon12345 dragon123456 dragon1! dragon123!
    dragon2024 dragon2025 master123 master1234 master12345 master123456 master1! master123!
    master2024 master2025 sunshine sunshine1 sunshine123 sunshine1234 sunshine12345 sunshine123456
    sunshine1! sunshine123! sunshine! sunshine2024 sunshine2025 football football1 football123
    football1234 football12345 football123456 football1! football123! football! football2024
    football2025 princess princess1 princess123 princess1234 princess12345 princess123456
    princess1! princess123! princess! princess2024 princess2025 baseball baseball1 baseball123
    baseball1234 baseball12345 baseball123456 baseball1! baseball123! baseball! baseball2024
    baseball2025 shadow123 shadow1234 shadow12345 shadow123456 shadow1! shadow123! shadow2024
    shadow2025 superman superman1 superman123 superman1234 superman12345 superman123456 superman1!
    superman123! superman! superman2024 superman2025 michael1 michael123 michael1234 michael12345
    michael123456 michael1! michael123! michael! michael2024 michael2025 trustno1 trustno11
    trustno1123 trustno11234 trustno112345 trustno1123456 trustno11! trustno1123! trustno1!
    trustno12024 trustno12025 starwars starwars1 starwars123 starwars1234 starwars12345
    starwars123456 starwars1! starwars123! starwars! starwars2024 starwars2025 pokemon1 pokemon123
    pokemon1234 pokemon12345 pokemon123456 pokemon1! pokemon123! pokemon! pokemon2024 pokemon2025
    batman123 batman1234 batman12345 batman123456 batman1! batman123! batman2024 batman2025
    hello123 hello1234 hello12345 hello123456 hello123! hello2024 hello2025 secret123 secret1234
    secret12345 secret123456 secret1! secret123! secret2024 secret2025 freedom1 freedom123
    freedom1234 freedom12345 freedom123456 freedom1! freedom123! freedom! freedom2024 freedom2025
    whatever whatever1 whatever123 whatever1234 whatever12345 whatever123456 whatever1!
    whatever123! whatever! whatever2024 whatever2025
  `),
  // Doubled and decorated favourites.
  ...words(`
    passwordpassword passpass passpass123 mypassword mypassword1 mypassword123 newpassword
    newpassword1 newpassword123 thepassword yourpassword secretpassword nopassword
    thisismypassword thisisapassword mysecretpassword passwordqwerty password1234567890
    passwordabc password123456789 passwordpass adminpassword rootpassword userpassword pa55word
    pa55w0rd pa$$word pa$$w0rd p@55w0rd p@$$w0rd passwort passwort1 passwort123 passwort1234
    motdepasse motdepasse1 motdepasse123 contraseña contrasena contrasena1 contrasena123 senha123
    senha1234 wachtwoord wachtwoord1 salasana salasana1 parola123 haslo123 haslo1234 iloveyou2
    iloveyou3 iloveyouu iloveyoubaby iloveyousomuch iloveyouforever iloveyoutoo iloveu123
    iloveyoumom ihateyou ihateyou1 loveyouforever loveyou123 loveyou1234 trustnoone letmeinplease
    letmeinnow opensesame correcthorse correcthorsebatterystaple onetwothreefour blahblahblah
    nothing123 qwerty123qwerty welcometo welcomehome welcome2you welcomeback adminadmin
    administrator administrator1 administrator123 adminadmin123 rootroot root1234 root12345
    toor1234 guest123 guest1234 guestguest user1234 user12345 useruser test1234 test12345
    test123456 testtest testtest123 testing1 testing123 testing1234 login123 login1234 default1
    default123 secret12 topsecret topsecret1 topsecret123 supersecret supersecret1 supersecret123
    mysecret mysecret123 access14 access123 master12 masterkey letmein22 changeit changeit123
    changethis temp1234 temppass temppassword temp12345
  `),
  // Names, teams, brands and things people love, with common endings.
  ...words(`
    basketball basketball1 basketball123 basketball1234 basketball12345 soccer123 soccer1234
    soccer12345 hockey123 hockey1234 hockey12345 spiderman spiderman1 spiderman123 spiderman1234
    spiderman12345 jordan23 jordan231 jordan23123 jordan231234 jordan2312345 jennifer jennifer1
    jennifer123 jennifer1234 jennifer12345 jessica1 jessica123 jessica1234 jessica12345 ashley123
    ashley1234 ashley12345 charlie1 charlie123 charlie1234 charlie12345 hunter123 hunter1234
    hunter12345 computer computer1 computer123 computer1234 computer12345 internet internet1
    internet123 internet1234 internet12345 helloworld helloworld1 helloworld123 helloworld1234
    helloworld12345 chocolate chocolate1 chocolate123 chocolate1234 chocolate12345 butterfly
    butterfly1 butterfly123 butterfly1234 butterfly12345 liverpool liverpool1 liverpool123
    liverpool1234 liverpool12345 chelsea1 chelsea123 chelsea1234 chelsea12345 arsenal1 arsenal123
    arsenal1234 arsenal12345 manchester manchester1 manchester123 manchester1234 manchester12345
    barcelona barcelona1 barcelona123 barcelona1234 barcelona12345 yankees1 yankees123 yankees1234
    yankees12345 cowboys1 cowboys123 cowboys1234 cowboys12345 mustang1 mustang123 mustang1234
    mustang12345 ferrari1 ferrari123 ferrari1234 ferrari12345 corvette corvette1 corvette123
    corvette1234 corvette12345 mercedes mercedes1 mercedes123 mercedes1234 mercedes12345 samsung1
    samsung123 samsung1234 samsung12345 google123 google1234 google12345 facebook facebook1
    facebook123 facebook1234 facebook12345 minecraft minecraft1 minecraft123 minecraft1234
    minecraft12345 fortnite fortnite1 fortnite123 fortnite1234 fortnite12345 zxcvbnm12345
    qazwsx12345 michelle michelle1 michelle123 michelle1234 michelle12345 nicole123 nicole1234
    nicole12345 angel123 angel1234 angel12345 loveme123 loveme1234 loveme12345 babygirl babygirl1
    babygirl123 babygirl1234 babygirl12345 sweetheart sweetheart1 sweetheart123 sweetheart1234
    sweetheart12345 beautiful beautiful1 beautiful123 beautiful1234 beautiful12345 purple123
    purple1234 purple12345 banana123 banana1234 banana12345 jasmine1 jasmine123 jasmine1234
    jasmine12345 diamond1 diamond123 diamond1234 diamond12345 rainbow1 rainbow123 rainbow1234
    rainbow12345 thunder1 thunder123 thunder1234 thunder12345 midnight midnight1 midnight123
    midnight1234 midnight12345 blink182 blink1821 blink182123 blink1821234 blink18212345 metallica
    metallica1 metallica123 metallica1234 metallica12345 pikachu1 pikachu123 pikachu1234
    pikachu12345 naruto123 naruto1234 naruto12345 hellokitty hellokitty1 hellokitty123
    hellokitty1234 hellokitty12345
  `),
  // Months and seasons with a year: the classic forced-rotation password.
  ...words(`
    january2023 january2023! january2024 january2024! january2025 january2025! february2023
    february2023! february2024 february2024! february2025 february2025! march2023 march2023!
    march2024 march2024! march2025 march2025! april2023 april2023! april2024 april2024! april2025
    april2025! may2023! may2024! may2025! june2023 june2023! june2024 june2024! june2025 june2025!
    july2023 july2023! july2024 july2024! july2025 july2025! august2023 august2023! august2024
    august2024! august2025 august2025! september2023 september2023! september2024 september2024!
    september2025 september2025! october2023 october2023! october2024 october2024! october2025
    october2025! november2023 november2023! november2024 november2024! november2025 november2025!
    december2023 december2023! december2024 december2024! december2025 december2025! spring2023
    spring2023! spring2024 spring2024! spring2025 spring2025! summer2023 summer2023! summer2024
    summer2024! summer2025 summer2025! autumn2023 autumn2023! autumn2024 autumn2024! autumn2025
    autumn2025! winter2023 winter2023! winter2024 winter2024! winter2025 winter2025! fall2023
    fall2023! fall2024 fall2024! fall2025 fall2025!
  `),
]);

// A Set cannot be frozen (Object.freeze leaves add and delete working), so the lookup table
// stays private to this module and only the frozen array and a predicate are exported.
const lookup: ReadonlySet<string> = new Set(COMMON_PASSWORDS);

/**
 * Whether `password` is on the common-password list, ignoring case and Unicode form.
 *
 * @example
 * isCommonPassword('Password1234'); // true
 */
export function isCommonPassword(password: string): boolean {
  return lookup.has(password.normalize('NFKC').toLowerCase());
}
