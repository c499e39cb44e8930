<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="sv_SE" sourcelanguage="en">
    <context>
        <name>GisOutage</name>
        <message>
            <source>Trace an outage</source>
            <translation>Spåra ett avbrott</translation>
        </message>
        <message>
            <source>Traces a break of links or the operation of devices on the gis-outage server. Give the ids, or a layer with the selected features. The outputs copy the isolated links, devices to operate and affected service points from the network layers given, and hold the public area.</source>
            <translation>Spårar ett brott på ledningar eller manövrering av apparater på gis-outage-servern. Ange id:na eller ett lager med de valda objekten. Resultaten kopierar de isolerade ledningarna, apparaterna att manövrera och de berörda anslutningspunkterna från de angivna nätlagren och innehåller det offentliga området.</translation>
        </message>
        <message>
            <source>The outage server is not set up yet. Enter its address and your API token in the settings.</source>
            <translation>Avbrottsservern är inte inställd ännu. Ange dess adress och din API-token i inställningarna.</translation>
        </message>
        <message>
            <source>Service</source>
            <translation>Tjänst</translation>
        </message>
        <message>
            <source>What happened</source>
            <translation>Vad hände</translation>
        </message>
        <message>
            <source>Ids of the links or devices</source>
            <translation>Id för ledningarna eller apparaterna</translation>
        </message>
        <message>
            <source>Or: the broken links or operated devices</source>
            <translation>Eller: de brustna ledningarna eller manövrerade apparaterna</translation>
        </message>
        <message>
            <source>Id field of the network layers</source>
            <translation>Id-fält i nätlagren</translation>
        </message>
        <message>
            <source>Links layer</source>
            <translation>Ledningslager</translation>
        </message>
        <message>
            <source>Devices layer</source>
            <translation>Apparatlager</translation>
        </message>
        <message>
            <source>Service points layer</source>
            <translation>Lager med anslutningspunkter</translation>
        </message>
        <message>
            <source>Server connection (default: the plugin's)</source>
            <translation>Serveranslutning (standard: insticksprogrammets)</translation>
        </message>
        <message>
            <source>Isolated links</source>
            <translation>Avskilda ledningsdelar</translation>
        </message>
        <message>
            <source>Devices to operate</source>
            <translation>Anordningar att manövrera</translation>
        </message>
        <message>
            <source>Affected service points</source>
            <translation>Berörda anslutningspunkter</translation>
        </message>
        <message>
            <source>Public area</source>
            <translation>Offentligt område</translation>
        </message>
        <message>
            <source>Customers without supply</source>
            <translation>Kunder utan leverans</translation>
        </message>
        <message>
            <source>Give the ids, or a layer with the selected links or devices.</source>
            <translation>Ange id:na eller ett lager med de valda ledningarna eller apparaterna.</translation>
        </message>
        <message>
            <source>The layer has no field {field}.</source>
            <translation>Lagret har inget fält {field}.</translation>
        </message>
        <message>
            <source>Links broke</source>
            <translation>Ledningar brast</translation>
        </message>
        <message>
            <source>Devices were operated</source>
            <translation>Apparater manövrerades</translation>
        </message>
        <message>
            <source>Cannot reach the outage server: {detail}. Check the server address in the settings and your network connection.</source>
            <translation>Avbrottsservern kan inte nås: {detail}. Kontrollera serveradressen i inställningarna och din nätverksanslutning.</translation>
        </message>
        <message>
            <source>The server did not accept your API token ({detail}). Enter a valid token in the settings.</source>
            <translation>Servern godkände inte din API-token ({detail}). Ange en giltig token i inställningarna.</translation>
        </message>
        <message>
            <source>Your account may not do this ({detail}). An administrator can give you the role.</source>
            <translation>Ditt konto får inte göra detta ({detail}). En administratör kan ge dig rollen.</translation>
        </message>
        <message>
            <source>Not found on the server: {detail}.</source>
            <translation>Finns inte på servern: {detail}.</translation>
        </message>
        <message>
            <source>The change was refused: {detail}. Refresh the list and try again.</source>
            <translation>Ändringen avvisades: {detail}. Uppdatera listan och försök igen.</translation>
        </message>
        <message>
            <source>The server found a problem in what was sent:
{detail}</source>
            <translation>Servern hittade ett fel i det som skickades:
{detail}</translation>
        </message>
        <message>
            <source>The plugin failed: {detail}. The details are in the gis-outage log messages.</source>
            <translation>Ett fel uppstod i insticksprogrammet: {detail}. Detaljerna finns i loggmeddelandena för gis-outage.</translation>
        </message>
        <message>
            <source>The request was cancelled.</source>
            <translation>Begäran avbröts.</translation>
        </message>
        <message>
            <source>The outage server failed (HTTP {status}). Try again; if it keeps failing, tell the administrator.</source>
            <translation>Ett fel uppstod i avbrottsservern (HTTP {status}). Försök igen; om felet kvarstår, meddela administratören.</translation>
        </message>
        <message>
            <source>Unexpected answer from the server (HTTP {status}): {detail}</source>
            <translation>Oväntat svar från servern (HTTP {status}): {detail}</translation>
        </message>
        <message>
            <source>+ Devices to operate</source>
            <translation>+ Anordningar att manövrera</translation>
        </message>
        <message>
            <source>− Devices to operate</source>
            <translation>− Anordningar att manövrera</translation>
        </message>
        <message>
            <source>+ Affected addresses</source>
            <translation>+ Berörda adresser</translation>
        </message>
        <message>
            <source>Addresses supplied again</source>
            <translation>Adresser som får leverans igen</translation>
        </message>
        <message>
            <source>Work area after the change</source>
            <translation>Arbetsområdet efter ändringen</translation>
        </message>
        <message>
            <source>Back-feed: device to operate</source>
            <translation>Reservmatning: anordning att manövrera</translation>
        </message>
        <message>
            <source>− Addresses, still cut off by another outage</source>
            <translation>− Adresser som ett annat avbrott fortfarande skär av</translation>
        </message>
        <message>
            <source>Field state</source>
            <translation>Fälttillstånd</translation>
        </message>
        <message>
            <source>Inoperable</source>
            <translation>Ur funktion</translation>
        </message>
        <message>
            <source>Not found</source>
            <translation>Hittas inte</translation>
        </message>
        <message>
            <source>Set by hand or held by an outage</source>
            <translation>Inställd för hand eller hålls av ett avbrott</translation>
        </message>
        <message>
            <source>&amp;Outages</source>
            <translation>&amp;Avbrott</translation>
        </message>
        <message>
            <source>Outages</source>
            <translation>Avbrott</translation>
        </message>
        <message>
            <source>Trace, publish and follow outages</source>
            <translation>Spåra, publicera och följ avbrott</translation>
        </message>
        <message>
            <source>Settings…</source>
            <translation>Inställningar…</translation>
        </message>
        <message>
            <source>Trace</source>
            <translation>Spåra</translation>
        </message>
        <message>
            <source>No trace yet.</source>
            <translation>Ingen spårning ännu.</translation>
        </message>
        <message>
            <source>New outage from this trace…</source>
            <translation>Nytt avbrott från denna spårning…</translation>
        </message>
        <message>
            <source>Network and selection</source>
            <translation>Nät och urval</translation>
        </message>
        <message>
            <source>Device findings…</source>
            <translation>Anordningsfynd…</translation>
        </message>
        <message>
            <source>Show field state</source>
            <translation>Visa fälttillstånd</translation>
        </message>
        <message>
            <source>Draw the devices set by hand, found inoperable or not found, or held by an outage as the layer "Field state"</source>
            <translation>Rita anordningarna som ställts in för hand, konstaterats ur funktion eller inte hittats, eller hålls av ett avbrott, som lagret "Fälttillstånd"</translation>
        </message>
        <message>
            <source>Network GeoPackage</source>
            <translation>Nätets GeoPackage</translation>
        </message>
        <message>
            <source>GeoPackage (*.gpkg)</source>
            <translation>GeoPackage (*.gpkg)</translation>
        </message>
        <message>
            <source>Click the corners of the area on the map; right-click to finish.</source>
            <translation>Klicka på områdets hörn på kartan; högerklicka för att avsluta.</translation>
        </message>
        <message>
            <source>Tracing the outage</source>
            <translation>Avbrottet spåras</translation>
        </message>
        <message>
            <source>Loading outages</source>
            <translation>Avbrott hämtas</translation>
        </message>
        <message>
            <source>No outage server set up yet.</source>
            <translation>Ingen avbrottsserver är inställd ännu.</translation>
        </message>
        <message>
            <source>Tracing…</source>
            <translation>Spårar…</translation>
        </message>
        <message>
            <source>The trace failed.</source>
            <translation>Spårningen misslyckades.</translation>
        </message>
        <message>
            <source>Trace done: {customers} customers without supply.</source>
            <translation>Spårningen klar: {customers} kunder utan leverans.</translation>
        </message>
        <message>
            <source>Critical: {point} ({category}) at {address}</source>
            <translation>Kritisk: {point} ({category}), adress {address}</translation>
        </message>
        <message>
            <source>Isolated links: {n}</source>
            <translation>Avskilda ledningsdelar: {n}</translation>
        </message>
        <message>
            <source>Links without supply: {n}</source>
            <translation>Ledningsdelar utan leverans: {n}</translation>
        </message>
        <message>
            <source>Devices to operate: {n}</source>
            <translation>Anordningar att manövrera: {n}</translation>
        </message>
        <message>
            <source>Affected service points: {n}</source>
            <translation>Berörda anslutningspunkter: {n}</translation>
        </message>
        <message>
            <source>Addresses: {n}, customers: {customers}</source>
            <translation>Adresser: {n}, kunder: {customers}</translation>
        </message>
        <message>
            <source>Streets: {streets}</source>
            <translation>Gator: {streets}</translation>
        </message>
        <message>
            <source>Outage {id}: the restoration time is changed.</source>
            <translation>Avbrott {id}: den beräknade sluttiden är ändrad.</translation>
        </message>
        <message>
            <source>Outage {id} is now: {status}.</source>
            <translation>Avbrott {id} har nu status: {status}.</translation>
        </message>
        <message>
            <source>Server: {url}</source>
            <translation>Server: {url}</translation>
        </message>
        <message>
            <source>{path} has no 'links' layer.</source>
            <translation>{path} har inget links-lager.</translation>
        </message>
        <message>
            <source>Select the broken links on the links layer first.</source>
            <translation>Välj först de skadade ledningsdelarna i ledningslagret.</translation>
        </message>
        <message>
            <source>Select the operated devices on the devices layer first.</source>
            <translation>Välj först de manövrerade anordningarna i anordningslagret.</translation>
        </message>
        <message>
            <source>Draw the outage area first.</source>
            <translation>Rita först avbrottsområdet.</translation>
        </message>
        <message>
            <source>{layer}: {n} not found in the chosen layer</source>
            <translation>{layer}: {n} saknas i det valda lagret</translation>
        </message>
        <message>
            <source>Publishing the outage</source>
            <translation>Avbrottet publiceras</translation>
        </message>
        <message>
            <source>Saving the outage</source>
            <translation>Avbrottet sparas</translation>
        </message>
        <message>
            <source>Outage {id} was saved as a draft but not published: {reason}</source>
            <translation>Avbrott {id} sparades som utkast men publicerades inte: {reason}</translation>
        </message>
        <message>
            <source>Publish outage {id}? Residents are notified.</source>
            <translation>Publicera avbrott {id}? De boende meddelas.</translation>
        </message>
        <message>
            <source>Supply is back for outage {id}? Residents get the all-clear.</source>
            <translation>Är leveransen tillbaka för avbrott {id}? De boende får besked om att avbrottet är över.</translation>
        </message>
        <message>
            <source>Cancel outage {id}? Residents already notified are told.</source>
            <translation>Ställ in avbrott {id}? De som redan meddelats får veta det.</translation>
        </message>
        <message>
            <source>Changing outage {id}</source>
            <translation>Avbrott {id} ändras</translation>
        </message>
        <message>
            <source>Outage {id} is published.</source>
            <translation>Avbrott {id} är publicerat.</translation>
        </message>
        <message>
            <source>Outage {id} is saved as a draft.</source>
            <translation>Avbrott {id} är sparat som utkast.</translation>
        </message>
        <message>
            <source>Loading suggestions…</source>
            <translation>Förslag hämtas…</translation>
        </message>
        <message>
            <source>Saving device findings</source>
            <translation>Anordningsfynd sparas</translation>
        </message>
        <message>
            <source>Back-feed suggestions for outage {id}</source>
            <translation>Förslag på reservmatning för avbrott {id}</translation>
        </message>
        <message>
            <source>Previewing the change to outage {id}</source>
            <translation>Ändringen av avbrott {id} förhandsgranskas</translation>
        </message>
        <message>
            <source>Outage {id} is changed: {customers} customers without supply now.</source>
            <translation>Avbrott {id} är ändrat: nu är {customers} kunder utan leverans.</translation>
        </message>
        <message>
            <source>Saved for {n} devices: {finding}.</source>
            <translation>Sparat för {n} anordningar: {finding}.</translation>
        </message>
        <message>
            <source>Outage {id} is resolved: nothing is left.</source>
            <translation>Avbrott {id} är avslutat: inget återstår.</translation>
        </message>
        <message>
            <source>Select or type links or devices, or restore everything.</source>
            <translation>Välj eller skriv ledningar eller anordningar, eller återställ allt.</translation>
        </message>
        <message>
            <source>Use the selection</source>
            <translation>Använd urvalet</translation>
        </message>
        <message>
            <source>Preview on the map</source>
            <translation>Förhandsgranska på kartan</translation>
        </message>
        <message>
            <source>Devices that will not operate: the outage is planned again without them, and they stay inoperable for later traces once confirmed.</source>
            <translation>Anordningar som inte går att manövrera: avbrottet planeras om utan dem, och efter bekräftelse förblir de ur funktion även i senare spårningar.</translation>
        </message>
        <message>
            <source>Select or type at least one device.</source>
            <translation>Välj eller skriv minst en anordning.</translation>
        </message>
        <message>
            <source>Links of the work area that are repaired and devices of the outage operated back to normal; addresses supplied again get the all-clear on confirm.</source>
            <translation>Reparerade ledningar i arbetsområdet och avbrottets anordningar som manövrerats tillbaka till normalläge; adresser som får leverans igen får besked om att avbrottet är över vid bekräftelsen.</translation>
        </message>
        <message>
            <source>Everything: the whole work area and every device</source>
            <translation>Allt: hela arbetsområdet och alla anordningar</translation>
        </message>
        <message>
            <source>Devices whose operation feeds part of the outage back from another source without feeding a work area, most customers first.</source>
            <translation>Anordningar vars manövrering matar en del av avbrottet från en annan källa utan att mata ett arbetsområde, flest kunder först.</translation>
        </message>
        <message>
            <source>Keep the network radial (no two sources meshed)</source>
            <translation>Håll nätet radiellt (inga två källor sammankopplade)</translation>
        </message>
        <message>
            <source>Choose a suggestion.</source>
            <translation>Välj ett förslag.</translation>
        </message>
        <message>
            <source>Device findings</source>
            <translation>Anordningsfynd</translation>
        </message>
        <message>
            <source>Devices found inoperable or not found stay so for every later trace until cleared. Saving sets the device's whole field state: a position set by hand goes back to normal.</source>
            <translation>Anordningar som konstaterats ur funktion eller inte hittats förblir så i alla senare spårningar tills fyndet tas bort. Att spara sätter anordningens hela fälttillstånd: ett läge som ställts in för hand återgår till normalläge.</translation>
        </message>
        <message>
            <source>Save</source>
            <translation>Spara</translation>
        </message>
        <message>
            <source>Devices</source>
            <translation>Anordningar</translation>
        </message>
        <message>
            <source>Clear the finding</source>
            <translation>Ta bort fyndet</translation>
        </message>
        <message>
            <source>Finding</source>
            <translation>Fynd</translation>
        </message>
        <message>
            <source>Note</source>
            <translation>Anteckning</translation>
        </message>
        <message>
            <source>Stuck device on outage {id}</source>
            <translation>Fastnad anordning i avbrott {id}</translation>
        </message>
        <message>
            <source>Restore part of outage {id}</source>
            <translation>Återställ en del av avbrott {id}</translation>
        </message>
        <message>
            <source>Links</source>
            <translation>Ledningar</translation>
        </message>
        <message>
            <source>Back-feed for outage {id}</source>
            <translation>Reservmatning för avbrott {id}</translation>
        </message>
        <message>
            <source>{device}: {customers} customers supplied again</source>
            <translation>{device}: {customers} kunder får leverans igen</translation>
        </message>
        <message>
            <source>meshes two feeders</source>
            <translation>kopplar ihop två matningar</translation>
        </message>
        <message>
            <source>No device feeds this outage back.</source>
            <translation>Ingen anordning matar tillbaka detta avbrott.</translation>
        </message>
        <message>
            <source>This changes nothing for the outage's addresses.</source>
            <translation>Detta ändrar inget för avbrottets adresser.</translation>
        </message>
        <message>
            <source>Confirm</source>
            <translation>Bekräfta</translation>
        </message>
        <message>
            <source>Critical customer newly affected: {point} ({category}) at {address}</source>
            <translation>Kritisk kund som nyligen berörs: {point} ({category}), adress {address}</translation>
        </message>
        <message>
            <source>Critical customer no longer affected: {point} ({category})</source>
            <translation>Kritisk kund som inte längre berörs: {point} ({category})</translation>
        </message>
        <message>
            <source>+ Devices to operate: {n} {ids}</source>
            <translation>+ Anordningar att manövrera: {n} {ids}</translation>
        </message>
        <message>
            <source>− Devices to operate: {n} {ids}</source>
            <translation>− Anordningar att manövrera: {n} {ids}</translation>
        </message>
        <message>
            <source>+ Affected addresses: {n}</source>
            <translation>+ Berörda adresser: {n}</translation>
        </message>
        <message>
            <source>Addresses supplied again: {n}</source>
            <translation>Adresser som får leverans igen: {n}</translation>
        </message>
        <message>
            <source>Customers: {before} → {after} ({change:+d})</source>
            <translation>Kunder: {before} → {after} ({change:+d})</translation>
        </message>
        <message>
            <source>Work area after the change: {n} links</source>
            <translation>Arbetsområdet efter ändringen: {n} ledningar</translation>
        </message>
        <message>
            <source>The map shows the difference. On confirm the newly affected get the start message and those supplied again the all-clear.</source>
            <translation>Kartan visar skillnaden. Vid bekräftelse får de nyligen berörda startmeddelandet och de som får leverans igen beskedet att avbrottet är över.</translation>
        </message>
        <message>
            <source>The map shows the difference. The outage is a draft: nobody is told yet.</source>
            <translation>Kartan visar skillnaden. Avbrottet är ett utkast: ingen informeras ännu.</translation>
        </message>
        <message>
            <source>No longer in this outage but still cut off by another: {n}</source>
            <translation>Inte längre i detta avbrott men fortfarande avskurna av ett annat: {n}</translation>
        </message>
        <message>
            <source>Stuck device: outage {id}</source>
            <translation>Fastnad anordning: avbrott {id}</translation>
        </message>
        <message>
            <source>Restore part: outage {id}</source>
            <translation>Delvis återställning: avbrott {id}</translation>
        </message>
        <message>
            <source>Back-feed: outage {id}</source>
            <translation>Reservmatning: avbrott {id}</translation>
        </message>
        <message>
            <source>Loading the field state</source>
            <translation>Hämtar fälttillståndet</translation>
        </message>
        <message>
            <source>Field state: {n} devices differ from the network as imported.</source>
            <translation>Fälttillstånd: {n} anordningar avviker från det importerade nätet.</translation>
        </message>
        <message>
            <source>Not in the device layer: {ids}.</source>
            <translation>Finns inte i anordningslagret: {ids}.</translation>
        </message>
        <message>
            <source>Water</source>
            <translation>Vatten</translation>
        </message>
        <message>
            <source>District heating</source>
            <translation>Fjärrvärme</translation>
        </message>
        <message>
            <source>Electricity</source>
            <translation>El</translation>
        </message>
        <message>
            <source>home dialysis</source>
            <translation>hemdialys</translation>
        </message>
        <message>
            <source>hospital</source>
            <translation>sjukhus</translation>
        </message>
        <message>
            <source>care home</source>
            <translation>vårdhem</translation>
        </message>
        <message>
            <source>school</source>
            <translation>skola</translation>
        </message>
        <message>
            <source>Planned</source>
            <translation>Planerat</translation>
        </message>
        <message>
            <source>Unplanned</source>
            <translation>Oplanerat</translation>
        </message>
        <message>
            <source>Boil-water notice</source>
            <translation>Kokningsrekommendation</translation>
        </message>
        <message>
            <source>Do-not-drink notice</source>
            <translation>Användningsförbud</translation>
        </message>
        <message>
            <source>Draft</source>
            <translation>Utkast</translation>
        </message>
        <message>
            <source>Published</source>
            <translation>Publicerat</translation>
        </message>
        <message>
            <source>Resolved</source>
            <translation>Avslutat</translation>
        </message>
        <message>
            <source>Cancelled</source>
            <translation>Inställt</translation>
        </message>
        <message>
            <source>Finnish</source>
            <translation>finska</translation>
        </message>
        <message>
            <source>Swedish</source>
            <translation>svenska</translation>
        </message>
        <message>
            <source>English</source>
            <translation>engelska</translation>
        </message>
        <message>
            <source>Lithuanian</source>
            <translation>litauiska</translation>
        </message>
        <message>
            <source>SMS</source>
            <translation>sms</translation>
        </message>
        <message>
            <source>e-mail</source>
            <translation>e-post</translation>
        </message>
        <message>
            <source>voice</source>
            <translation>samtal</translation>
        </message>
        <message>
            <source>queued</source>
            <translation>i kö</translation>
        </message>
        <message>
            <source>sent</source>
            <translation>skickade</translation>
        </message>
        <message>
            <source>delivered</source>
            <translation>levererade</translation>
        </message>
        <message>
            <source>temporary failure</source>
            <translation>tillfälligt fel</translation>
        </message>
        <message>
            <source>permanent failure</source>
            <translation>permanent fel</translation>
        </message>
        <message>
            <source>technical failure</source>
            <translation>tekniskt fel</translation>
        </message>
        <message>
            <source>The estimated end is before the start.</source>
            <translation>Den beräknade sluttiden är före starttiden.</translation>
        </message>
        <message>
            <source>Nothing is selected: trace a selection or an area first.</source>
            <translation>Inget är valt: spåra först ett urval eller ett område.</translation>
        </message>
        <message>
            <source>A water-quality notice is for the water service only.</source>
            <translation>Ett meddelande om vattenkvaliteten gäller endast vattentjänsten.</translation>
        </message>
        <message>
            <source>The cause is longer than {n} characters.</source>
            <translation>Orsaken är längre än {n} tecken.</translation>
        </message>
        <message>
            <source>A message text is longer than {n} characters.</source>
            <translation>En meddelandetext är längre än {n} tecken.</translation>
        </message>
        <message>
            <source>Load network GeoPackage…</source>
            <translation>Läs in nätets GeoPackage…</translation>
        </message>
        <message>
            <source>Draw area</source>
            <translation>Rita område</translation>
        </message>
        <message>
            <source>Drawn area</source>
            <translation>Ritat område</translation>
        </message>
        <message>
            <source>Drawn area (none yet)</source>
            <translation>Ritat område (inget ännu)</translation>
        </message>
        <message>
            <source>Service points</source>
            <translation>Anslutningspunkter</translation>
        </message>
        <message>
            <source>Selected links broke ({count} selected)</source>
            <translation>De valda ledningsdelarna skadades ({count} valda)</translation>
        </message>
        <message>
            <source>Selected devices were operated ({count} selected)</source>
            <translation>De valda anordningarna manövrerades ({count} valda)</translation>
        </message>
        <message>
            <source>New outage</source>
            <translation>Nytt avbrott</translation>
        </message>
        <message>
            <source>known</source>
            <translation>känd</translation>
        </message>
        <message>
            <source>e.g. Water main leak</source>
            <translation>t.ex. läcka i vattenledning</translation>
        </message>
        <message>
            <source>Kind</source>
            <translation>Typ</translation>
        </message>
        <message>
            <source>Starts</source>
            <translation>Börjar</translation>
        </message>
        <message>
            <source>Estimated end</source>
            <translation>Beräknat slut</translation>
        </message>
        <message>
            <source>Cause</source>
            <translation>Orsak</translation>
        </message>
        <message>
            <source>Save as draft</source>
            <translation>Spara som utkast</translation>
        </message>
        <message>
            <source>Publish</source>
            <translation>Publicera</translation>
        </message>
        <message>
            <source>Close</source>
            <translation>Stäng</translation>
        </message>
        <message>
            <source>What residents read about the cause and what to do</source>
            <translation>Vad de boende läser om orsaken och vad de ska göra</translation>
        </message>
        <message>
            <source>Message text per language</source>
            <translation>Meddelandetext per språk</translation>
        </message>
        <message>
            <source>{customers} customers; streets: {streets}</source>
            <translation>{customers} kunder; gator: {streets}</translation>
        </message>
        <message>
            <source>Draft and published</source>
            <translation>Utkast och publicerade</translation>
        </message>
        <message>
            <source>All</source>
            <translation>Alla</translation>
        </message>
        <message>
            <source>Refresh</source>
            <translation>Uppdatera</translation>
        </message>
        <message>
            <source>Id</source>
            <translation>Id</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>Status</translation>
        </message>
        <message>
            <source>Customers</source>
            <translation>Kunder</translation>
        </message>
        <message>
            <source>Area</source>
            <translation>Område</translation>
        </message>
        <message>
            <source>Messages</source>
            <translation>Meddelanden</translation>
        </message>
        <message>
            <source>Created by</source>
            <translation>Skapat av</translation>
        </message>
        <message>
            <source>Restoration time…</source>
            <translation>Sluttid…</translation>
        </message>
        <message>
            <source>Resolve</source>
            <translation>Avsluta</translation>
        </message>
        <message>
            <source>Cancel outage</source>
            <translation>Ställ in avbrott</translation>
        </message>
        <message>
            <source>Crew sheet</source>
            <translation>Arbetskort</translation>
        </message>
        <message>
            <source>Report stuck device…</source>
            <translation>Rapportera fastnad anordning…</translation>
        </message>
        <message>
            <source>Restore part…</source>
            <translation>Återställ en del…</translation>
        </message>
        <message>
            <source>Back-feed…</source>
            <translation>Reservmatning…</translation>
        </message>
        <message>
            <source>Residents of a published outage are told the new time.</source>
            <translation>De boende meddelas den nya tiden för ett publicerat avbrott.</translation>
        </message>
        <message>
            <source>Supply is expected back at</source>
            <translation>Leveransen beräknas vara tillbaka</translation>
        </message>
        <message>
            <source>Restoration time of outage {id}</source>
            <translation>Sluttid för avbrott {id}</translation>
        </message>
        <message>
            <source>Outage server settings</source>
            <translation>Inställningar för avbrottsservern</translation>
        </message>
        <message>
            <source>Test connection</source>
            <translation>Testa anslutningen</translation>
        </message>
        <message>
            <source>Server address</source>
            <translation>Serveradress</translation>
        </message>
        <message>
            <source>API token</source>
            <translation>API-token</translation>
        </message>
        <message>
            <source>The token is kept in the QGIS authentication database, protected by your master password.</source>
            <translation>Token sparas i QGIS autentiseringsdatabas, skyddad av ditt huvudlösenord.</translation>
        </message>
        <message>
            <source>Connecting…</source>
            <translation>Ansluter…</translation>
        </message>
        <message>
            <source>Testing the outage server connection</source>
            <translation>Anslutningen till avbrottsservern testas</translation>
        </message>
        <message>
            <source>Connected: the server accepted the token.</source>
            <translation>Ansluten: servern godkände token.</translation>
        </message>
        <message>
            <source>Could not store the token: {reason}</source>
            <translation>Token kunde inte sparas: {reason}</translation>
        </message>
        <message>
            <source>Counts this text only. The message template adds the service, streets and times around it.</source>
            <translation>Räknar endast denna text. Meddelandemallen lägger till tjänst, gator och tider runt den.</translation>
        </message>
        <message>
            <source>GSM-7</source>
            <translation>GSM-7</translation>
        </message>
        <message>
            <source>UCS-2, special characters</source>
            <translation>UCS-2, specialtecken</translation>
        </message>
        <message>
            <source>{characters} characters · {fragments} SMS ({encoding})</source>
            <translation>{characters} tecken · {fragments} sms ({encoding})</translation>
        </message>
    </context>
</TS>
