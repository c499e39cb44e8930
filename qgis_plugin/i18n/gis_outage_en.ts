<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_GB" sourcelanguage="en">
    <context>
        <name>GisOutage</name>
        <message>
            <source>Trace an outage</source>
            <translation>Trace an outage</translation>
        </message>
        <message>
            <source>Traces a break of links or the operation of devices on the gis-outage server. Give the ids, or a layer with the selected features. The outputs copy the isolated links, devices to operate and affected service points from the network layers given, and hold the public area.</source>
            <translation>Traces a break of links or the operation of devices on the gis-outage server. Give the ids, or a layer with the selected features. The outputs copy the isolated links, devices to operate and affected service points from the network layers given, and hold the public area.</translation>
        </message>
        <message>
            <source>The outage server is not set up yet. Enter its address and your API token in the settings.</source>
            <translation>The outage server is not set up yet. Enter its address and your API token in the settings.</translation>
        </message>
        <message>
            <source>Service</source>
            <translation>Service</translation>
        </message>
        <message>
            <source>What happened</source>
            <translation>What happened</translation>
        </message>
        <message>
            <source>Ids of the links or devices</source>
            <translation>Ids of the links or devices</translation>
        </message>
        <message>
            <source>Or: the broken links or operated devices</source>
            <translation>Or: the broken links or operated devices</translation>
        </message>
        <message>
            <source>Id field of the network layers</source>
            <translation>Id field of the network layers</translation>
        </message>
        <message>
            <source>Links layer</source>
            <translation>Links layer</translation>
        </message>
        <message>
            <source>Devices layer</source>
            <translation>Devices layer</translation>
        </message>
        <message>
            <source>Service points layer</source>
            <translation>Service points layer</translation>
        </message>
        <message>
            <source>Server connection (default: the plugin's)</source>
            <translation>Server connection (default: the plugin's)</translation>
        </message>
        <message>
            <source>Isolated links</source>
            <translation>Isolated links</translation>
        </message>
        <message>
            <source>Devices to operate</source>
            <translation>Devices to operate</translation>
        </message>
        <message>
            <source>Affected service points</source>
            <translation>Affected service points</translation>
        </message>
        <message>
            <source>Public area</source>
            <translation>Public area</translation>
        </message>
        <message>
            <source>Customers without supply</source>
            <translation>Customers without supply</translation>
        </message>
        <message>
            <source>Give the ids, or a layer with the selected links or devices.</source>
            <translation>Give the ids, or a layer with the selected links or devices.</translation>
        </message>
        <message>
            <source>The layer has no field {field}.</source>
            <translation>The layer has no field {field}.</translation>
        </message>
        <message>
            <source>Links broke</source>
            <translation>Links broke</translation>
        </message>
        <message>
            <source>Devices were operated</source>
            <translation>Devices were operated</translation>
        </message>
        <message>
            <source>Cannot reach the outage server: {detail}. Check the server address in the settings and your network connection.</source>
            <translation>Cannot reach the outage server: {detail}. Check the server address in the settings and your network connection.</translation>
        </message>
        <message>
            <source>The server did not accept your API token ({detail}). Enter a valid token in the settings.</source>
            <translation>The server did not accept your API token ({detail}). Enter a valid token in the settings.</translation>
        </message>
        <message>
            <source>Your account may not do this ({detail}). An administrator can give you the role.</source>
            <translation>Your account may not do this ({detail}). An administrator can give you the role.</translation>
        </message>
        <message>
            <source>Not found on the server: {detail}.</source>
            <translation>Not found on the server: {detail}.</translation>
        </message>
        <message>
            <source>The change was refused: {detail}. Refresh the list and try again.</source>
            <translation>The change was refused: {detail}. Refresh the list and try again.</translation>
        </message>
        <message>
            <source>The server found a problem in what was sent:
{detail}</source>
            <translation>The server found a problem in what was sent:
{detail}</translation>
        </message>
        <message>
            <source>The plugin failed: {detail}. The details are in the gis-outage log messages.</source>
            <translation>The plugin failed: {detail}. The details are in the gis-outage log messages.</translation>
        </message>
        <message>
            <source>The request was cancelled.</source>
            <translation>The request was cancelled.</translation>
        </message>
        <message>
            <source>The outage server failed (HTTP {status}). Try again; if it keeps failing, tell the administrator.</source>
            <translation>The outage server failed (HTTP {status}). Try again; if it keeps failing, tell the administrator.</translation>
        </message>
        <message>
            <source>Unexpected answer from the server (HTTP {status}): {detail}</source>
            <translation>Unexpected answer from the server (HTTP {status}): {detail}</translation>
        </message>
        <message>
            <source>+ Devices to operate</source>
            <translation>+ Devices to operate</translation>
        </message>
        <message>
            <source>− Devices to operate</source>
            <translation>− Devices to operate</translation>
        </message>
        <message>
            <source>+ Affected addresses</source>
            <translation>+ Affected addresses</translation>
        </message>
        <message>
            <source>Addresses supplied again</source>
            <translation>Addresses supplied again</translation>
        </message>
        <message>
            <source>Work area after the change</source>
            <translation>Work area after the change</translation>
        </message>
        <message>
            <source>Back-feed: device to operate</source>
            <translation>Back-feed: device to operate</translation>
        </message>
        <message>
            <source>− Addresses, still cut off by another outage</source>
            <translation>− Addresses, still cut off by another outage</translation>
        </message>
        <message>
            <source>Field state</source>
            <translation>Field state</translation>
        </message>
        <message>
            <source>Inoperable</source>
            <translation>Inoperable</translation>
        </message>
        <message>
            <source>Not found</source>
            <translation>Not found</translation>
        </message>
        <message>
            <source>Set by hand or held by an outage</source>
            <translation>Set by hand or held by an outage</translation>
        </message>
        <message>
            <source>&amp;Outages</source>
            <translation>&amp;Outages</translation>
        </message>
        <message>
            <source>Outages</source>
            <translation>Outages</translation>
        </message>
        <message>
            <source>Trace, publish and follow outages</source>
            <translation>Trace, publish and follow outages</translation>
        </message>
        <message>
            <source>Settings…</source>
            <translation>Settings…</translation>
        </message>
        <message>
            <source>Trace</source>
            <translation>Trace</translation>
        </message>
        <message>
            <source>No trace yet.</source>
            <translation>No trace yet.</translation>
        </message>
        <message>
            <source>New outage from this trace…</source>
            <translation>New outage from this trace…</translation>
        </message>
        <message>
            <source>Network and selection</source>
            <translation>Network and selection</translation>
        </message>
        <message>
            <source>Device findings…</source>
            <translation>Device findings…</translation>
        </message>
        <message>
            <source>Show field state</source>
            <translation>Show field state</translation>
        </message>
        <message>
            <source>Draw the devices set by hand, found inoperable or not found, or held by an outage as the layer "Field state"</source>
            <translation>Draw the devices set by hand, found inoperable or not found, or held by an outage as the layer "Field state"</translation>
        </message>
        <message>
            <source>Network GeoPackage</source>
            <translation>Network GeoPackage</translation>
        </message>
        <message>
            <source>GeoPackage (*.gpkg)</source>
            <translation>GeoPackage (*.gpkg)</translation>
        </message>
        <message>
            <source>Click the corners of the area on the map; right-click to finish.</source>
            <translation>Click the corners of the area on the map; right-click to finish.</translation>
        </message>
        <message>
            <source>Tracing the outage</source>
            <translation>Tracing the outage</translation>
        </message>
        <message>
            <source>Loading outages</source>
            <translation>Loading outages</translation>
        </message>
        <message>
            <source>No outage server set up yet.</source>
            <translation>No outage server set up yet.</translation>
        </message>
        <message>
            <source>Tracing…</source>
            <translation>Tracing…</translation>
        </message>
        <message>
            <source>The trace failed.</source>
            <translation>The trace failed.</translation>
        </message>
        <message>
            <source>Trace done: {customers} customers without supply.</source>
            <translation>Trace done: {customers} customers without supply.</translation>
        </message>
        <message>
            <source>Critical: {point} ({category}) at {address}</source>
            <translation>Critical: {point} ({category}) at {address}</translation>
        </message>
        <message>
            <source>Isolated links: {n}</source>
            <translation>Isolated links: {n}</translation>
        </message>
        <message>
            <source>Links without supply: {n}</source>
            <translation>Links without supply: {n}</translation>
        </message>
        <message>
            <source>Devices to operate: {n}</source>
            <translation>Devices to operate: {n}</translation>
        </message>
        <message>
            <source>Affected service points: {n}</source>
            <translation>Affected service points: {n}</translation>
        </message>
        <message>
            <source>Addresses: {n}, customers: {customers}</source>
            <translation>Addresses: {n}, customers: {customers}</translation>
        </message>
        <message>
            <source>Streets: {streets}</source>
            <translation>Streets: {streets}</translation>
        </message>
        <message>
            <source>Outage {id}: the restoration time is changed.</source>
            <translation>Outage {id}: the restoration time is changed.</translation>
        </message>
        <message>
            <source>Outage {id} is now: {status}.</source>
            <translation>Outage {id} is now: {status}.</translation>
        </message>
        <message>
            <source>Server: {url}</source>
            <translation>Server: {url}</translation>
        </message>
        <message>
            <source>{path} has no 'links' layer.</source>
            <translation>{path} has no 'links' layer.</translation>
        </message>
        <message>
            <source>Select the broken links on the links layer first.</source>
            <translation>Select the broken links on the links layer first.</translation>
        </message>
        <message>
            <source>Select the operated devices on the devices layer first.</source>
            <translation>Select the operated devices on the devices layer first.</translation>
        </message>
        <message>
            <source>Draw the outage area first.</source>
            <translation>Draw the outage area first.</translation>
        </message>
        <message>
            <source>{layer}: {n} not found in the chosen layer</source>
            <translation>{layer}: {n} not found in the chosen layer</translation>
        </message>
        <message>
            <source>Publishing the outage</source>
            <translation>Publishing the outage</translation>
        </message>
        <message>
            <source>Saving the outage</source>
            <translation>Saving the outage</translation>
        </message>
        <message>
            <source>Outage {id} was saved as a draft but not published: {reason}</source>
            <translation>Outage {id} was saved as a draft but not published: {reason}</translation>
        </message>
        <message>
            <source>Publish outage {id}? Residents are notified.</source>
            <translation>Publish outage {id}? Residents are notified.</translation>
        </message>
        <message>
            <source>Supply is back for outage {id}? Residents get the all-clear.</source>
            <translation>Supply is back for outage {id}? Residents get the all-clear.</translation>
        </message>
        <message>
            <source>Cancel outage {id}? Residents already notified are told.</source>
            <translation>Cancel outage {id}? Residents already notified are told.</translation>
        </message>
        <message>
            <source>Changing outage {id}</source>
            <translation>Changing outage {id}</translation>
        </message>
        <message>
            <source>Outage {id} is published.</source>
            <translation>Outage {id} is published.</translation>
        </message>
        <message>
            <source>Outage {id} is saved as a draft.</source>
            <translation>Outage {id} is saved as a draft.</translation>
        </message>
        <message>
            <source>Loading suggestions…</source>
            <translation>Loading suggestions…</translation>
        </message>
        <message>
            <source>Saving device findings</source>
            <translation>Saving device findings</translation>
        </message>
        <message>
            <source>Back-feed suggestions for outage {id}</source>
            <translation>Back-feed suggestions for outage {id}</translation>
        </message>
        <message>
            <source>Previewing the change to outage {id}</source>
            <translation>Previewing the change to outage {id}</translation>
        </message>
        <message>
            <source>Outage {id} is changed: {customers} customers without supply now.</source>
            <translation>Outage {id} is changed: {customers} customers without supply now.</translation>
        </message>
        <message>
            <source>Saved for {n} devices: {finding}.</source>
            <translation>Saved for {n} devices: {finding}.</translation>
        </message>
        <message>
            <source>Outage {id} is resolved: nothing is left.</source>
            <translation>Outage {id} is resolved: nothing is left.</translation>
        </message>
        <message>
            <source>Select or type links or devices, or restore everything.</source>
            <translation>Select or type links or devices, or restore everything.</translation>
        </message>
        <message>
            <source>Use the selection</source>
            <translation>Use the selection</translation>
        </message>
        <message>
            <source>Preview on the map</source>
            <translation>Preview on the map</translation>
        </message>
        <message>
            <source>Devices that will not operate: the outage is planned again without them, and they stay inoperable for later traces once confirmed.</source>
            <translation>Devices that will not operate: the outage is planned again without them, and they stay inoperable for later traces once confirmed.</translation>
        </message>
        <message>
            <source>Select or type at least one device.</source>
            <translation>Select or type at least one device.</translation>
        </message>
        <message>
            <source>Links of the work area that are repaired and devices of the outage operated back to normal; addresses supplied again get the all-clear on confirm.</source>
            <translation>Links of the work area that are repaired and devices of the outage operated back to normal; addresses supplied again get the all-clear on confirm.</translation>
        </message>
        <message>
            <source>Everything: the whole work area and every device</source>
            <translation>Everything: the whole work area and every device</translation>
        </message>
        <message>
            <source>Devices whose operation feeds part of the outage back from another source without feeding a work area, most customers first.</source>
            <translation>Devices whose operation feeds part of the outage back from another source without feeding a work area, most customers first.</translation>
        </message>
        <message>
            <source>Keep the network radial (no two sources meshed)</source>
            <translation>Keep the network radial (no two sources meshed)</translation>
        </message>
        <message>
            <source>Choose a suggestion.</source>
            <translation>Choose a suggestion.</translation>
        </message>
        <message>
            <source>Device findings</source>
            <translation>Device findings</translation>
        </message>
        <message>
            <source>Devices found inoperable or not found stay so for every later trace until cleared. Saving sets the device's whole field state: a position set by hand goes back to normal.</source>
            <translation>Devices found inoperable or not found stay so for every later trace until cleared. Saving sets the device's whole field state: a position set by hand goes back to normal.</translation>
        </message>
        <message>
            <source>Save</source>
            <translation>Save</translation>
        </message>
        <message>
            <source>Devices</source>
            <translation>Devices</translation>
        </message>
        <message>
            <source>Clear the finding</source>
            <translation>Clear the finding</translation>
        </message>
        <message>
            <source>Finding</source>
            <translation>Finding</translation>
        </message>
        <message>
            <source>Note</source>
            <translation>Note</translation>
        </message>
        <message>
            <source>Stuck device on outage {id}</source>
            <translation>Stuck device on outage {id}</translation>
        </message>
        <message>
            <source>Restore part of outage {id}</source>
            <translation>Restore part of outage {id}</translation>
        </message>
        <message>
            <source>Links</source>
            <translation>Links</translation>
        </message>
        <message>
            <source>Back-feed for outage {id}</source>
            <translation>Back-feed for outage {id}</translation>
        </message>
        <message>
            <source>{device}: {customers} customers supplied again</source>
            <translation>{device}: {customers} customers supplied again</translation>
        </message>
        <message>
            <source>meshes two feeders</source>
            <translation>meshes two feeders</translation>
        </message>
        <message>
            <source>No device feeds this outage back.</source>
            <translation>No device feeds this outage back.</translation>
        </message>
        <message>
            <source>This changes nothing for the outage's addresses.</source>
            <translation>This changes nothing for the outage's addresses.</translation>
        </message>
        <message>
            <source>Confirm</source>
            <translation>Confirm</translation>
        </message>
        <message>
            <source>Critical customer newly affected: {point} ({category}) at {address}</source>
            <translation>Critical customer newly affected: {point} ({category}) at {address}</translation>
        </message>
        <message>
            <source>Critical customer no longer affected: {point} ({category})</source>
            <translation>Critical customer no longer affected: {point} ({category})</translation>
        </message>
        <message>
            <source>+ Devices to operate: {n} {ids}</source>
            <translation>+ Devices to operate: {n} {ids}</translation>
        </message>
        <message>
            <source>− Devices to operate: {n} {ids}</source>
            <translation>− Devices to operate: {n} {ids}</translation>
        </message>
        <message>
            <source>+ Affected addresses: {n}</source>
            <translation>+ Affected addresses: {n}</translation>
        </message>
        <message>
            <source>Addresses supplied again: {n}</source>
            <translation>Addresses supplied again: {n}</translation>
        </message>
        <message>
            <source>Customers: {before} → {after} ({change:+d})</source>
            <translation>Customers: {before} → {after} ({change:+d})</translation>
        </message>
        <message>
            <source>Work area after the change: {n} links</source>
            <translation>Work area after the change: {n} links</translation>
        </message>
        <message>
            <source>The map shows the difference. On confirm the newly affected get the start message and those supplied again the all-clear.</source>
            <translation>The map shows the difference. On confirm the newly affected get the start message and those supplied again the all-clear.</translation>
        </message>
        <message>
            <source>The map shows the difference. The outage is a draft: nobody is told yet.</source>
            <translation>The map shows the difference. The outage is a draft: nobody is told yet.</translation>
        </message>
        <message>
            <source>No longer in this outage but still cut off by another: {n}</source>
            <translation>No longer in this outage but still cut off by another: {n}</translation>
        </message>
        <message>
            <source>Stuck device: outage {id}</source>
            <translation>Stuck device: outage {id}</translation>
        </message>
        <message>
            <source>Restore part: outage {id}</source>
            <translation>Restore part: outage {id}</translation>
        </message>
        <message>
            <source>Back-feed: outage {id}</source>
            <translation>Back-feed: outage {id}</translation>
        </message>
        <message>
            <source>Loading the field state</source>
            <translation>Loading the field state</translation>
        </message>
        <message>
            <source>Field state: {n} devices differ from the network as imported.</source>
            <translation>Field state: {n} devices differ from the network as imported.</translation>
        </message>
        <message>
            <source>Not in the device layer: {ids}.</source>
            <translation>Not in the device layer: {ids}.</translation>
        </message>
        <message>
            <source>Water</source>
            <translation>Water</translation>
        </message>
        <message>
            <source>District heating</source>
            <translation>District heating</translation>
        </message>
        <message>
            <source>Electricity</source>
            <translation>Electricity</translation>
        </message>
        <message>
            <source>home dialysis</source>
            <translation>home dialysis</translation>
        </message>
        <message>
            <source>hospital</source>
            <translation>hospital</translation>
        </message>
        <message>
            <source>care home</source>
            <translation>care home</translation>
        </message>
        <message>
            <source>school</source>
            <translation>school</translation>
        </message>
        <message>
            <source>Planned</source>
            <translation>Planned</translation>
        </message>
        <message>
            <source>Unplanned</source>
            <translation>Unplanned</translation>
        </message>
        <message>
            <source>Boil-water notice</source>
            <translation>Boil-water notice</translation>
        </message>
        <message>
            <source>Do-not-drink notice</source>
            <translation>Do-not-drink notice</translation>
        </message>
        <message>
            <source>Draft</source>
            <translation>Draft</translation>
        </message>
        <message>
            <source>Published</source>
            <translation>Published</translation>
        </message>
        <message>
            <source>Resolved</source>
            <translation>Resolved</translation>
        </message>
        <message>
            <source>Cancelled</source>
            <translation>Cancelled</translation>
        </message>
        <message>
            <source>Finnish</source>
            <translation>Finnish</translation>
        </message>
        <message>
            <source>Swedish</source>
            <translation>Swedish</translation>
        </message>
        <message>
            <source>English</source>
            <translation>English</translation>
        </message>
        <message>
            <source>Lithuanian</source>
            <translation>Lithuanian</translation>
        </message>
        <message>
            <source>SMS</source>
            <translation>SMS</translation>
        </message>
        <message>
            <source>e-mail</source>
            <translation>e-mail</translation>
        </message>
        <message>
            <source>voice</source>
            <translation>voice</translation>
        </message>
        <message>
            <source>queued</source>
            <translation>queued</translation>
        </message>
        <message>
            <source>sent</source>
            <translation>sent</translation>
        </message>
        <message>
            <source>delivered</source>
            <translation>delivered</translation>
        </message>
        <message>
            <source>temporary failure</source>
            <translation>temporary failure</translation>
        </message>
        <message>
            <source>permanent failure</source>
            <translation>permanent failure</translation>
        </message>
        <message>
            <source>technical failure</source>
            <translation>technical failure</translation>
        </message>
        <message>
            <source>The estimated end is before the start.</source>
            <translation>The estimated end is before the start.</translation>
        </message>
        <message>
            <source>Nothing is selected: trace a selection or an area first.</source>
            <translation>Nothing is selected: trace a selection or an area first.</translation>
        </message>
        <message>
            <source>A water-quality notice is for the water service only.</source>
            <translation>A water-quality notice is for the water service only.</translation>
        </message>
        <message>
            <source>The cause is longer than {n} characters.</source>
            <translation>The cause is longer than {n} characters.</translation>
        </message>
        <message>
            <source>A message text is longer than {n} characters.</source>
            <translation>A message text is longer than {n} characters.</translation>
        </message>
        <message>
            <source>Load network GeoPackage…</source>
            <translation>Load network GeoPackage…</translation>
        </message>
        <message>
            <source>Draw area</source>
            <translation>Draw area</translation>
        </message>
        <message>
            <source>Drawn area</source>
            <translation>Drawn area</translation>
        </message>
        <message>
            <source>Drawn area (none yet)</source>
            <translation>Drawn area (none yet)</translation>
        </message>
        <message>
            <source>Service points</source>
            <translation>Service points</translation>
        </message>
        <message>
            <source>Selected links broke ({count} selected)</source>
            <translation>Selected links broke ({count} selected)</translation>
        </message>
        <message>
            <source>Selected devices were operated ({count} selected)</source>
            <translation>Selected devices were operated ({count} selected)</translation>
        </message>
        <message>
            <source>New outage</source>
            <translation>New outage</translation>
        </message>
        <message>
            <source>known</source>
            <translation>known</translation>
        </message>
        <message>
            <source>e.g. Water main leak</source>
            <translation>e.g. Water main leak</translation>
        </message>
        <message>
            <source>Kind</source>
            <translation>Kind</translation>
        </message>
        <message>
            <source>Starts</source>
            <translation>Starts</translation>
        </message>
        <message>
            <source>Estimated end</source>
            <translation>Estimated end</translation>
        </message>
        <message>
            <source>Cause</source>
            <translation>Cause</translation>
        </message>
        <message>
            <source>Save as draft</source>
            <translation>Save as draft</translation>
        </message>
        <message>
            <source>Publish</source>
            <translation>Publish</translation>
        </message>
        <message>
            <source>Close</source>
            <translation>Close</translation>
        </message>
        <message>
            <source>What residents read about the cause and what to do</source>
            <translation>What residents read about the cause and what to do</translation>
        </message>
        <message>
            <source>Message text per language</source>
            <translation>Message text per language</translation>
        </message>
        <message>
            <source>{customers} customers; streets: {streets}</source>
            <translation>{customers} customers; streets: {streets}</translation>
        </message>
        <message>
            <source>Draft and published</source>
            <translation>Draft and published</translation>
        </message>
        <message>
            <source>All</source>
            <translation>All</translation>
        </message>
        <message>
            <source>Refresh</source>
            <translation>Refresh</translation>
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
            <translation>Customers</translation>
        </message>
        <message>
            <source>Area</source>
            <translation>Area</translation>
        </message>
        <message>
            <source>Messages</source>
            <translation>Messages</translation>
        </message>
        <message>
            <source>Created by</source>
            <translation>Created by</translation>
        </message>
        <message>
            <source>Restoration time…</source>
            <translation>Restoration time…</translation>
        </message>
        <message>
            <source>Resolve</source>
            <translation>Resolve</translation>
        </message>
        <message>
            <source>Cancel outage</source>
            <translation>Cancel outage</translation>
        </message>
        <message>
            <source>Crew sheet</source>
            <translation>Crew sheet</translation>
        </message>
        <message>
            <source>Report stuck device…</source>
            <translation>Report stuck device…</translation>
        </message>
        <message>
            <source>Restore part…</source>
            <translation>Restore part…</translation>
        </message>
        <message>
            <source>Back-feed…</source>
            <translation>Back-feed…</translation>
        </message>
        <message>
            <source>Residents of a published outage are told the new time.</source>
            <translation>Residents of a published outage are told the new time.</translation>
        </message>
        <message>
            <source>Supply is expected back at</source>
            <translation>Supply is expected back at</translation>
        </message>
        <message>
            <source>Restoration time of outage {id}</source>
            <translation>Restoration time of outage {id}</translation>
        </message>
        <message>
            <source>Outage server settings</source>
            <translation>Outage server settings</translation>
        </message>
        <message>
            <source>Test connection</source>
            <translation>Test connection</translation>
        </message>
        <message>
            <source>Server address</source>
            <translation>Server address</translation>
        </message>
        <message>
            <source>API token</source>
            <translation>API token</translation>
        </message>
        <message>
            <source>The token is kept in the QGIS authentication database, protected by your master password.</source>
            <translation>The token is kept in the QGIS authentication database, protected by your master password.</translation>
        </message>
        <message>
            <source>Connecting…</source>
            <translation>Connecting…</translation>
        </message>
        <message>
            <source>Testing the outage server connection</source>
            <translation>Testing the outage server connection</translation>
        </message>
        <message>
            <source>Connected: the server accepted the token.</source>
            <translation>Connected: the server accepted the token.</translation>
        </message>
        <message>
            <source>Could not store the token: {reason}</source>
            <translation>Could not store the token: {reason}</translation>
        </message>
        <message>
            <source>Counts this text only. The message template adds the service, streets and times around it.</source>
            <translation>Counts this text only. The message template adds the service, streets and times around it.</translation>
        </message>
        <message>
            <source>GSM-7</source>
            <translation>GSM-7</translation>
        </message>
        <message>
            <source>UCS-2, special characters</source>
            <translation>UCS-2, special characters</translation>
        </message>
        <message>
            <source>{characters} characters · {fragments} SMS ({encoding})</source>
            <translation>{characters} characters · {fragments} SMS ({encoding})</translation>
        </message>
    </context>
</TS>
