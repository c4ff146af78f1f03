"""Data-subject rights for an e-mail address: access (GDPR Art. 15, 20) and erasure (Art. 17).

One service for the admin screen, the management commands and the public privacy-request
form. Every request is logged as a `DataRequest`, which holds only a keyed hash of the
address (a public-form request also the address as typed, until its link is used or
expires). Other apps add what they hold through `export.collect_personal_data` (lead magnets
answer with their downloads); what they hold about a contact is deleted with it by the
cascade.

Modules, each importing only those above it in this list:
- `log`: the request log's shared helpers (a new entry, its one-line summary);
- `export`: what is held about an address, and the access request answered with it;
- `erasure`: deleting it all, here and (through the outbox) in Mailchimp;
- `request_link`: the link mailed to confirm a public-form request, signed and read;
- `mails`: the two mails of the public form (the link, the copy of the data);
- `tasks`: the background tasks that send those mails;
- `requests`: the public form's flow, from the request to carrying it out;
- `admin`, `views`: the admin screen and the public pages.
"""
