<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fi_FI" sourcelanguage="en">
    <context>
        <name>GisOutage</name>
        <message>
            <source>Trace an outage</source>
            <translation>Jäljitä katko</translation>
        </message>
        <message>
            <source>Traces a break of links or the operation of devices on the gis-outage server. Give the ids, or a layer with the selected features. The outputs copy the isolated links, devices to operate and affected service points from the network layers given, and hold the public area.</source>
            <translation>Jäljittää linjojen rikkoutumisen tai laitteiden käytön gis-outage-palvelimella. Anna tunnukset tai taso, jolla kohteet on valittu. Tulokset kopioivat eristetyt linjat, käytettävät laitteet ja katkon alaiset liittymät annetuilta verkkotasoilta ja sisältävät julkisen alueen.</translation>
        </message>
        <message>
            <source>The outage server is not set up yet. Enter its address and your API token in the settings.</source>
            <translation>Keskeytyspalvelinta ei ole vielä määritetty. Anna sen osoite ja API-tunnuksesi asetuksissa.</translation>
        </message>
        <message>
            <source>Service</source>
            <translation>Palvelu</translation>
        </message>
        <message>
            <source>What happened</source>
            <translation>Mitä tapahtui</translation>
        </message>
        <message>
            <source>Ids of the links or devices</source>
            <translation>Linjojen tai laitteiden tunnukset</translation>
        </message>
        <message>
            <source>Or: the broken links or operated devices</source>
            <translation>Tai: rikkoutuneet linjat tai käytetyt laitteet</translation>
        </message>
        <message>
            <source>Id field of the network layers</source>
            <translation>Verkkotasojen tunnuskenttä</translation>
        </message>
        <message>
            <source>Links layer</source>
            <translation>Linjataso</translation>
        </message>
        <message>
            <source>Devices layer</source>
            <translation>Laitetaso</translation>
        </message>
        <message>
            <source>Service points layer</source>
            <translation>Liittymätaso</translation>
        </message>
        <message>
            <source>Server connection (default: the plugin's)</source>
            <translation>Palvelinyhteys (oletus: lisäosan oma)</translation>
        </message>
        <message>
            <source>Isolated links</source>
            <translation>Erotetut johto-osat</translation>
        </message>
        <message>
            <source>Devices to operate</source>
            <translation>Käytettävät laitteet</translation>
        </message>
        <message>
            <source>Affected service points</source>
            <translation>Keskeytyksen liittymät</translation>
        </message>
        <message>
            <source>Public area</source>
            <translation>Julkinen alue</translation>
        </message>
        <message>
            <source>Customers without supply</source>
            <translation>Asiakkaita ilman toimitusta</translation>
        </message>
        <message>
            <source>Give the ids, or a layer with the selected links or devices.</source>
            <translation>Anna tunnukset tai taso, jolla linjat tai laitteet on valittu.</translation>
        </message>
        <message>
            <source>The layer has no field {field}.</source>
            <translation>Tasolla ei ole kenttää {field}.</translation>
        </message>
        <message>
            <source>Links broke</source>
            <translation>Linjoja rikkoutui</translation>
        </message>
        <message>
            <source>Devices were operated</source>
            <translation>Laitteita käytettiin</translation>
        </message>
        <message>
            <source>Cannot reach the outage server: {detail}. Check the server address in the settings and your network connection.</source>
            <translation>Keskeytyspalvelimeen ei saada yhteyttä: {detail}. Tarkista palvelimen osoite asetuksista ja verkkoyhteytesi.</translation>
        </message>
        <message>
            <source>The server did not accept your API token ({detail}). Enter a valid token in the settings.</source>
            <translation>Palvelin ei hyväksynyt API-tunnustasi ({detail}). Anna voimassa oleva tunnus asetuksissa.</translation>
        </message>
        <message>
            <source>Your account may not do this ({detail}). An administrator can give you the role.</source>
            <translation>Käyttäjätililläsi ei ole tähän oikeutta ({detail}). Ylläpitäjä voi antaa sinulle roolin.</translation>
        </message>
        <message>
            <source>Not found on the server: {detail}.</source>
            <translation>Ei löydy palvelimelta: {detail}.</translation>
        </message>
        <message>
            <source>The change was refused: {detail}. Refresh the list and try again.</source>
            <translation>Muutos hylättiin: {detail}. Päivitä luettelo ja yritä uudelleen.</translation>
        </message>
        <message>
            <source>The server found a problem in what was sent:
{detail}</source>
            <translation>Palvelin löysi virheen lähetetyistä tiedoista:
{detail}</translation>
        </message>
        <message>
            <source>The plugin failed: {detail}. The details are in the gis-outage log messages.</source>
            <translation>Liitännäisessä tapahtui virhe: {detail}. Tiedot ovat gis-outage-lokiviesteissä.</translation>
        </message>
        <message>
            <source>The request was cancelled.</source>
            <translation>Pyyntö peruttiin.</translation>
        </message>
        <message>
            <source>The outage server failed (HTTP {status}). Try again; if it keeps failing, tell the administrator.</source>
            <translation>Keskeytyspalvelimessa tapahtui virhe (HTTP {status}). Yritä uudelleen; jos virhe toistuu, ilmoita ylläpitäjälle.</translation>
        </message>
        <message>
            <source>Unexpected answer from the server (HTTP {status}): {detail}</source>
            <translation>Odottamaton vastaus palvelimelta (HTTP {status}): {detail}</translation>
        </message>
        <message>
            <source>+ Devices to operate</source>
            <translation>+ Käytettävät laitteet</translation>
        </message>
        <message>
            <source>− Devices to operate</source>
            <translation>− Käytettävät laitteet</translation>
        </message>
        <message>
            <source>+ Affected addresses</source>
            <translation>+ Keskeytyksen osoitteet</translation>
        </message>
        <message>
            <source>Addresses supplied again</source>
            <translation>Osoitteet, joihin jakelu palaa</translation>
        </message>
        <message>
            <source>Work area after the change</source>
            <translation>Työalue muutoksen jälkeen</translation>
        </message>
        <message>
            <source>Back-feed: device to operate</source>
            <translation>Varasyöttö: käytettävä laite</translation>
        </message>
        <message>
            <source>− Addresses, still cut off by another outage</source>
            <translation>− Osoitteet, jotka toinen keskeytys pitää yhä katkaistuina</translation>
        </message>
        <message>
            <source>Field state</source>
            <translation>Kenttätila</translation>
        </message>
        <message>
            <source>Inoperable</source>
            <translation>Ei toimi</translation>
        </message>
        <message>
            <source>Not found</source>
            <translation>Ei löydy</translation>
        </message>
        <message>
            <source>Set by hand or held by an outage</source>
            <translation>Käsin asetettu tai keskeytyksen pitämä</translation>
        </message>
        <message>
            <source>&amp;Outages</source>
            <translation>&amp;Keskeytykset</translation>
        </message>
        <message>
            <source>Outages</source>
            <translation>Keskeytykset</translation>
        </message>
        <message>
            <source>Trace, publish and follow outages</source>
            <translation>Jäljitä, julkaise ja seuraa keskeytyksiä</translation>
        </message>
        <message>
            <source>Settings…</source>
            <translation>Asetukset…</translation>
        </message>
        <message>
            <source>Trace</source>
            <translation>Jäljitä</translation>
        </message>
        <message>
            <source>No trace yet.</source>
            <translation>Ei jäljitystä vielä.</translation>
        </message>
        <message>
            <source>New outage from this trace…</source>
            <translation>Uusi keskeytys tästä jäljityksestä…</translation>
        </message>
        <message>
            <source>Network and selection</source>
            <translation>Verkko ja valinta</translation>
        </message>
        <message>
            <source>Device findings…</source>
            <translation>Laitehavainnot…</translation>
        </message>
        <message>
            <source>Show field state</source>
            <translation>Näytä kenttätila</translation>
        </message>
        <message>
            <source>Draw the devices set by hand, found inoperable or not found, or held by an outage as the layer "Field state"</source>
            <translation>Piirrä käsin asetetut, toimimattomiksi tai löytymättömiksi todetut ja keskeytysten pitämät laitteet tasoksi "Kenttätila"</translation>
        </message>
        <message>
            <source>Network GeoPackage</source>
            <translation>Verkon GeoPackage</translation>
        </message>
        <message>
            <source>GeoPackage (*.gpkg)</source>
            <translation>GeoPackage (*.gpkg)</translation>
        </message>
        <message>
            <source>Click the corners of the area on the map; right-click to finish.</source>
            <translation>Napsauta alueen kulmat kartalla; lopeta oikealla painikkeella.</translation>
        </message>
        <message>
            <source>Tracing the outage</source>
            <translation>Jäljitetään keskeytystä</translation>
        </message>
        <message>
            <source>Loading outages</source>
            <translation>Haetaan keskeytyksiä</translation>
        </message>
        <message>
            <source>No outage server set up yet.</source>
            <translation>Keskeytyspalvelinta ei ole vielä määritetty.</translation>
        </message>
        <message>
            <source>Tracing…</source>
            <translation>Jäljitetään…</translation>
        </message>
        <message>
            <source>The trace failed.</source>
            <translation>Jäljitys epäonnistui.</translation>
        </message>
        <message>
            <source>Trace done: {customers} customers without supply.</source>
            <translation>Jäljitys valmis: {customers} asiakasta ilman toimitusta.</translation>
        </message>
        <message>
            <source>Critical: {point} ({category}) at {address}</source>
            <translation>Kriittinen: {point} ({category}), osoite {address}</translation>
        </message>
        <message>
            <source>Isolated links: {n}</source>
            <translation>Erotetut johto-osat: {n}</translation>
        </message>
        <message>
            <source>Links without supply: {n}</source>
            <translation>Johto-osat ilman toimitusta: {n}</translation>
        </message>
        <message>
            <source>Devices to operate: {n}</source>
            <translation>Käytettävät laitteet: {n}</translation>
        </message>
        <message>
            <source>Affected service points: {n}</source>
            <translation>Keskeytyksen liittymät: {n}</translation>
        </message>
        <message>
            <source>Addresses: {n}, customers: {customers}</source>
            <translation>Osoitteet: {n}, asiakkaat: {customers}</translation>
        </message>
        <message>
            <source>Streets: {streets}</source>
            <translation>Kadut: {streets}</translation>
        </message>
        <message>
            <source>Outage {id}: the restoration time is changed.</source>
            <translation>Keskeytys {id}: arvioitu päättymisaika on muutettu.</translation>
        </message>
        <message>
            <source>Outage {id} is now: {status}.</source>
            <translation>Keskeytyksen {id} tila on nyt: {status}.</translation>
        </message>
        <message>
            <source>Server: {url}</source>
            <translation>Palvelin: {url}</translation>
        </message>
        <message>
            <source>{path} has no 'links' layer.</source>
            <translation>Tiedostossa {path} ei ole links-tasoa.</translation>
        </message>
        <message>
            <source>Select the broken links on the links layer first.</source>
            <translation>Valitse ensin vaurioituneet johto-osat johtotasolta.</translation>
        </message>
        <message>
            <source>Select the operated devices on the devices layer first.</source>
            <translation>Valitse ensin käytetyt laitteet laitetasolta.</translation>
        </message>
        <message>
            <source>Draw the outage area first.</source>
            <translation>Piirrä ensin keskeytysalue.</translation>
        </message>
        <message>
            <source>{layer}: {n} not found in the chosen layer</source>
            <translation>{layer}: {n} puuttuu valitulta tasolta</translation>
        </message>
        <message>
            <source>Publishing the outage</source>
            <translation>Julkaistaan keskeytystä</translation>
        </message>
        <message>
            <source>Saving the outage</source>
            <translation>Tallennetaan keskeytystä</translation>
        </message>
        <message>
            <source>Outage {id} was saved as a draft but not published: {reason}</source>
            <translation>Keskeytys {id} tallennettiin luonnoksena, mutta sitä ei julkaistu: {reason}</translation>
        </message>
        <message>
            <source>Publish outage {id}? Residents are notified.</source>
            <translation>Julkaistaanko keskeytys {id}? Asukkaille lähtee ilmoitus.</translation>
        </message>
        <message>
            <source>Supply is back for outage {id}? Residents get the all-clear.</source>
            <translation>Onko toimitus palautunut keskeytyksessä {id}? Asukkaat saavat ilmoituksen päättymisestä.</translation>
        </message>
        <message>
            <source>Cancel outage {id}? Residents already notified are told.</source>
            <translation>Perutaanko keskeytys {id}? Jo ilmoituksen saaneille kerrotaan peruutuksesta.</translation>
        </message>
        <message>
            <source>Changing outage {id}</source>
            <translation>Muutetaan keskeytystä {id}</translation>
        </message>
        <message>
            <source>Outage {id} is published.</source>
            <translation>Keskeytys {id} on julkaistu.</translation>
        </message>
        <message>
            <source>Outage {id} is saved as a draft.</source>
            <translation>Keskeytys {id} on tallennettu luonnoksena.</translation>
        </message>
        <message>
            <source>Loading suggestions…</source>
            <translation>Haetaan ehdotuksia…</translation>
        </message>
        <message>
            <source>Saving device findings</source>
            <translation>Tallennetaan laitehavaintoja</translation>
        </message>
        <message>
            <source>Back-feed suggestions for outage {id}</source>
            <translation>Varasyöttöehdotukset keskeytykselle {id}</translation>
        </message>
        <message>
            <source>Previewing the change to outage {id}</source>
            <translation>Esikatsellaan keskeytyksen {id} muutosta</translation>
        </message>
        <message>
            <source>Outage {id} is changed: {customers} customers without supply now.</source>
            <translation>Keskeytystä {id} on muutettu: nyt {customers} asiakasta ilman jakelua.</translation>
        </message>
        <message>
            <source>Saved for {n} devices: {finding}.</source>
            <translation>Tallennettu {n} laitteelle: {finding}.</translation>
        </message>
        <message>
            <source>Outage {id} is resolved: nothing is left.</source>
            <translation>Keskeytys {id} on päättynyt: mitään ei ole jäljellä.</translation>
        </message>
        <message>
            <source>Select or type links or devices, or restore everything.</source>
            <translation>Valitse tai kirjoita johtoja tai laitteita, tai palauta kaikki.</translation>
        </message>
        <message>
            <source>Use the selection</source>
            <translation>Käytä valintaa</translation>
        </message>
        <message>
            <source>Preview on the map</source>
            <translation>Esikatsele kartalla</translation>
        </message>
        <message>
            <source>Devices that will not operate: the outage is planned again without them, and they stay inoperable for later traces once confirmed.</source>
            <translation>Laitteet, jotka eivät toimi: keskeytys suunnitellaan uudelleen ilman niitä, ja vahvistuksen jälkeen ne pysyvät toimimattomina myös myöhemmissä jäljityksissä.</translation>
        </message>
        <message>
            <source>Select or type at least one device.</source>
            <translation>Valitse tai kirjoita vähintään yksi laite.</translation>
        </message>
        <message>
            <source>Links of the work area that are repaired and devices of the outage operated back to normal; addresses supplied again get the all-clear on confirm.</source>
            <translation>Työalueen korjatut johdot ja normaaliasentoon palautetut keskeytyksen laitteet; osoitteet, joihin jakelu palaa, saavat vahvistuksessa ilmoituksen keskeytyksen päättymisestä.</translation>
        </message>
        <message>
            <source>Everything: the whole work area and every device</source>
            <translation>Kaikki: koko työalue ja kaikki laitteet</translation>
        </message>
        <message>
            <source>Devices whose operation feeds part of the outage back from another source without feeding a work area, most customers first.</source>
            <translation>Laitteet, joiden käyttö syöttää osan keskeytyksestä toisesta lähteestä syöttämättä työaluetta, eniten asiakkaita ensin.</translation>
        </message>
        <message>
            <source>Keep the network radial (no two sources meshed)</source>
            <translation>Pidä verkko säteittäisenä (ei kahta lähdettä silmukkaan)</translation>
        </message>
        <message>
            <source>Choose a suggestion.</source>
            <translation>Valitse ehdotus.</translation>
        </message>
        <message>
            <source>Device findings</source>
            <translation>Laitehavainnot</translation>
        </message>
        <message>
            <source>Devices found inoperable or not found stay so for every later trace until cleared. Saving sets the device's whole field state: a position set by hand goes back to normal.</source>
            <translation>Toimimattomiksi tai löytymättömiksi todetut laitteet pysyvät sellaisina kaikissa myöhemmissä jäljityksissä, kunnes havainto poistetaan. Tallennus asettaa laitteen koko kenttätilan: käsin asetettu asento palaa normaaliksi.</translation>
        </message>
        <message>
            <source>Save</source>
            <translation>Tallenna</translation>
        </message>
        <message>
            <source>Devices</source>
            <translation>Laitteet</translation>
        </message>
        <message>
            <source>Clear the finding</source>
            <translation>Poista havainto</translation>
        </message>
        <message>
            <source>Finding</source>
            <translation>Havainto</translation>
        </message>
        <message>
            <source>Note</source>
            <translation>Huomautus</translation>
        </message>
        <message>
            <source>Stuck device on outage {id}</source>
            <translation>Jumittunut laite keskeytyksessä {id}</translation>
        </message>
        <message>
            <source>Restore part of outage {id}</source>
            <translation>Palauta osa keskeytyksestä {id}</translation>
        </message>
        <message>
            <source>Links</source>
            <translation>Johdot</translation>
        </message>
        <message>
            <source>Back-feed for outage {id}</source>
            <translation>Varasyöttö keskeytykselle {id}</translation>
        </message>
        <message>
            <source>{device}: {customers} customers supplied again</source>
            <translation>{device}: jakelu palaa {customers} asiakkaalle</translation>
        </message>
        <message>
            <source>meshes two feeders</source>
            <translation>yhdistää kaksi syöttöä silmukaksi</translation>
        </message>
        <message>
            <source>No device feeds this outage back.</source>
            <translation>Mikään laite ei syötä tätä keskeytystä takaisin.</translation>
        </message>
        <message>
            <source>This changes nothing for the outage's addresses.</source>
            <translation>Tämä ei muuta mitään keskeytyksen osoitteille.</translation>
        </message>
        <message>
            <source>Confirm</source>
            <translation>Vahvista</translation>
        </message>
        <message>
            <source>Critical customer newly affected: {point} ({category}) at {address}</source>
            <translation>Uusi kriittinen asiakas keskeytyksessä: {point} ({category}), osoite {address}</translation>
        </message>
        <message>
            <source>Critical customer no longer affected: {point} ({category})</source>
            <translation>Kriittinen asiakas ei enää keskeytyksessä: {point} ({category})</translation>
        </message>
        <message>
            <source>+ Devices to operate: {n} {ids}</source>
            <translation>+ Käytettävät laitteet: {n} {ids}</translation>
        </message>
        <message>
            <source>− Devices to operate: {n} {ids}</source>
            <translation>− Käytettävät laitteet: {n} {ids}</translation>
        </message>
        <message>
            <source>+ Affected addresses: {n}</source>
            <translation>+ Keskeytyksen osoitteet: {n}</translation>
        </message>
        <message>
            <source>Addresses supplied again: {n}</source>
            <translation>Osoitteet, joihin jakelu palaa: {n}</translation>
        </message>
        <message>
            <source>Customers: {before} → {after} ({change:+d})</source>
            <translation>Asiakkaat: {before} → {after} ({change:+d})</translation>
        </message>
        <message>
            <source>Work area after the change: {n} links</source>
            <translation>Työalue muutoksen jälkeen: {n} johtoa</translation>
        </message>
        <message>
            <source>The map shows the difference. On confirm the newly affected get the start message and those supplied again the all-clear.</source>
            <translation>Kartalla näkyy ero. Vahvistettaessa uudet keskeytyksen osoitteet saavat alkuilmoituksen ja ne, joihin jakelu palaa, ilmoituksen keskeytyksen päättymisestä.</translation>
        </message>
        <message>
            <source>The map shows the difference. The outage is a draft: nobody is told yet.</source>
            <translation>Kartalla näkyy ero. Keskeytys on luonnos: kenellekään ei vielä ilmoiteta.</translation>
        </message>
        <message>
            <source>No longer in this outage but still cut off by another: {n}</source>
            <translation>Ei enää tässä keskeytyksessä, mutta toinen keskeytys pitää yhä katkaistuna: {n}</translation>
        </message>
        <message>
            <source>Stuck device: outage {id}</source>
            <translation>Jumittunut laite: keskeytys {id}</translation>
        </message>
        <message>
            <source>Restore part: outage {id}</source>
            <translation>Osittainen palautus: keskeytys {id}</translation>
        </message>
        <message>
            <source>Back-feed: outage {id}</source>
            <translation>Varasyöttö: keskeytys {id}</translation>
        </message>
        <message>
            <source>Loading the field state</source>
            <translation>Haetaan kenttätilaa</translation>
        </message>
        <message>
            <source>Field state: {n} devices differ from the network as imported.</source>
            <translation>Kenttätila: {n} laitetta poikkeaa tuodusta verkosta.</translation>
        </message>
        <message>
            <source>Not in the device layer: {ids}.</source>
            <translation>Ei laitetasolla: {ids}.</translation>
        </message>
        <message>
            <source>Water</source>
            <translation>Vesi</translation>
        </message>
        <message>
            <source>District heating</source>
            <translation>Kaukolämpö</translation>
        </message>
        <message>
            <source>Electricity</source>
            <translation>Sähkö</translation>
        </message>
        <message>
            <source>home dialysis</source>
            <translation>kotidialyysi</translation>
        </message>
        <message>
            <source>hospital</source>
            <translation>sairaala</translation>
        </message>
        <message>
            <source>care home</source>
            <translation>hoivakoti</translation>
        </message>
        <message>
            <source>school</source>
            <translation>koulu</translation>
        </message>
        <message>
            <source>Planned</source>
            <translation>Suunniteltu</translation>
        </message>
        <message>
            <source>Unplanned</source>
            <translation>Äkillinen</translation>
        </message>
        <message>
            <source>Boil-water notice</source>
            <translation>Keittokehotus</translation>
        </message>
        <message>
            <source>Do-not-drink notice</source>
            <translation>Käyttökielto</translation>
        </message>
        <message>
            <source>Draft</source>
            <translation>Luonnos</translation>
        </message>
        <message>
            <source>Published</source>
            <translation>Julkaistu</translation>
        </message>
        <message>
            <source>Resolved</source>
            <translation>Päättynyt</translation>
        </message>
        <message>
            <source>Cancelled</source>
            <translation>Peruttu</translation>
        </message>
        <message>
            <source>Finnish</source>
            <translation>suomi</translation>
        </message>
        <message>
            <source>Swedish</source>
            <translation>ruotsi</translation>
        </message>
        <message>
            <source>English</source>
            <translation>englanti</translation>
        </message>
        <message>
            <source>Lithuanian</source>
            <translation>liettua</translation>
        </message>
        <message>
            <source>SMS</source>
            <translation>tekstiviesti</translation>
        </message>
        <message>
            <source>e-mail</source>
            <translation>sähköposti</translation>
        </message>
        <message>
            <source>voice</source>
            <translation>puhelu</translation>
        </message>
        <message>
            <source>queued</source>
            <translation>jonossa</translation>
        </message>
        <message>
            <source>sent</source>
            <translation>lähetetty</translation>
        </message>
        <message>
            <source>delivered</source>
            <translation>perillä</translation>
        </message>
        <message>
            <source>temporary failure</source>
            <translation>tilapäinen virhe</translation>
        </message>
        <message>
            <source>permanent failure</source>
            <translation>pysyvä virhe</translation>
        </message>
        <message>
            <source>technical failure</source>
            <translation>tekninen virhe</translation>
        </message>
        <message>
            <source>The estimated end is before the start.</source>
            <translation>Arvioitu päättymisaika on ennen alkamisaikaa.</translation>
        </message>
        <message>
            <source>Nothing is selected: trace a selection or an area first.</source>
            <translation>Mitään ei ole valittu: jäljitä ensin valinta tai alue.</translation>
        </message>
        <message>
            <source>A water-quality notice is for the water service only.</source>
            <translation>Vedenlaatutiedote koskee vain vesihuoltoa.</translation>
        </message>
        <message>
            <source>The cause is longer than {n} characters.</source>
            <translation>Syy on yli {n} merkkiä pitkä.</translation>
        </message>
        <message>
            <source>A message text is longer than {n} characters.</source>
            <translation>Jokin viestiteksti on yli {n} merkkiä pitkä.</translation>
        </message>
        <message>
            <source>Load network GeoPackage…</source>
            <translation>Lataa verkon GeoPackage…</translation>
        </message>
        <message>
            <source>Draw area</source>
            <translation>Piirrä alue</translation>
        </message>
        <message>
            <source>Drawn area</source>
            <translation>Piirretty alue</translation>
        </message>
        <message>
            <source>Drawn area (none yet)</source>
            <translation>Piirretty alue (ei vielä)</translation>
        </message>
        <message>
            <source>Service points</source>
            <translation>Liittymät</translation>
        </message>
        <message>
            <source>Selected links broke ({count} selected)</source>
            <translation>Valitut johto-osat vaurioituivat ({count} valittu)</translation>
        </message>
        <message>
            <source>Selected devices were operated ({count} selected)</source>
            <translation>Valittuja laitteita käytettiin ({count} valittu)</translation>
        </message>
        <message>
            <source>New outage</source>
            <translation>Uusi keskeytys</translation>
        </message>
        <message>
            <source>known</source>
            <translation>tiedossa</translation>
        </message>
        <message>
            <source>e.g. Water main leak</source>
            <translation>esim. vesijohtovuoto</translation>
        </message>
        <message>
            <source>Kind</source>
            <translation>Laji</translation>
        </message>
        <message>
            <source>Starts</source>
            <translation>Alkaa</translation>
        </message>
        <message>
            <source>Estimated end</source>
            <translation>Arvioitu päättyminen</translation>
        </message>
        <message>
            <source>Cause</source>
            <translation>Syy</translation>
        </message>
        <message>
            <source>Save as draft</source>
            <translation>Tallenna luonnoksena</translation>
        </message>
        <message>
            <source>Publish</source>
            <translation>Julkaise</translation>
        </message>
        <message>
            <source>Close</source>
            <translation>Sulje</translation>
        </message>
        <message>
            <source>What residents read about the cause and what to do</source>
            <translation>Mitä asukkaat lukevat syystä ja miten toimia</translation>
        </message>
        <message>
            <source>Message text per language</source>
            <translation>Viestin teksti kielittäin</translation>
        </message>
        <message>
            <source>{customers} customers; streets: {streets}</source>
            <translation>{customers} asiakasta; kadut: {streets}</translation>
        </message>
        <message>
            <source>Draft and published</source>
            <translation>Luonnokset ja julkaistut</translation>
        </message>
        <message>
            <source>All</source>
            <translation>Kaikki</translation>
        </message>
        <message>
            <source>Refresh</source>
            <translation>Päivitä</translation>
        </message>
        <message>
            <source>Id</source>
            <translation>Tunnus</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>Tila</translation>
        </message>
        <message>
            <source>Customers</source>
            <translation>Asiakkaat</translation>
        </message>
        <message>
            <source>Area</source>
            <translation>Alue</translation>
        </message>
        <message>
            <source>Messages</source>
            <translation>Viestit</translation>
        </message>
        <message>
            <source>Created by</source>
            <translation>Laatija</translation>
        </message>
        <message>
            <source>Restoration time…</source>
            <translation>Päättymisaika…</translation>
        </message>
        <message>
            <source>Resolve</source>
            <translation>Päätä</translation>
        </message>
        <message>
            <source>Cancel outage</source>
            <translation>Peru keskeytys</translation>
        </message>
        <message>
            <source>Crew sheet</source>
            <translation>Työkortti</translation>
        </message>
        <message>
            <source>Report stuck device…</source>
            <translation>Ilmoita jumittunut laite…</translation>
        </message>
        <message>
            <source>Restore part…</source>
            <translation>Palauta osa…</translation>
        </message>
        <message>
            <source>Back-feed…</source>
            <translation>Varasyöttö…</translation>
        </message>
        <message>
            <source>Residents of a published outage are told the new time.</source>
            <translation>Julkaistun keskeytyksen asukkaille kerrotaan uusi aika.</translation>
        </message>
        <message>
            <source>Supply is expected back at</source>
            <translation>Toimituksen arvioidaan palautuvan</translation>
        </message>
        <message>
            <source>Restoration time of outage {id}</source>
            <translation>Keskeytyksen {id} päättymisaika</translation>
        </message>
        <message>
            <source>Outage server settings</source>
            <translation>Keskeytyspalvelimen asetukset</translation>
        </message>
        <message>
            <source>Test connection</source>
            <translation>Testaa yhteys</translation>
        </message>
        <message>
            <source>Server address</source>
            <translation>Palvelimen osoite</translation>
        </message>
        <message>
            <source>API token</source>
            <translation>API-tunnus</translation>
        </message>
        <message>
            <source>The token is kept in the QGIS authentication database, protected by your master password.</source>
            <translation>Tunnus säilytetään QGIS:n tunnistautumistietokannassa pääsalasanasi suojaamana.</translation>
        </message>
        <message>
            <source>Connecting…</source>
            <translation>Yhdistetään…</translation>
        </message>
        <message>
            <source>Testing the outage server connection</source>
            <translation>Testataan yhteyttä keskeytyspalvelimeen</translation>
        </message>
        <message>
            <source>Connected: the server accepted the token.</source>
            <translation>Yhteys toimii: palvelin hyväksyi tunnuksen.</translation>
        </message>
        <message>
            <source>Could not store the token: {reason}</source>
            <translation>Tunnusta ei voitu tallentaa: {reason}</translation>
        </message>
        <message>
            <source>Counts this text only. The message template adds the service, streets and times around it.</source>
            <translation>Laskee vain tämän tekstin. Viestipohja lisää sen ympärille palvelun, kadut ja ajat.</translation>
        </message>
        <message>
            <source>GSM-7</source>
            <translation>GSM-7</translation>
        </message>
        <message>
            <source>UCS-2, special characters</source>
            <translation>UCS-2, erikoismerkkejä</translation>
        </message>
        <message>
            <source>{characters} characters · {fragments} SMS ({encoding})</source>
            <translation>merkkejä {characters} · tekstiviestejä {fragments} ({encoding})</translation>
        </message>
    </context>
</TS>
