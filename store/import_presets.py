"""Presets for importing another library system's patron export as it comes (``patron-utils
import --preset NAME``): which of its columns are read as which field, and which of its
columns have no field here and are left out (and listed after the import).

A column a preset does not name is still refused (unless ``--ignore-unknown``): a file that
is not what the preset expects, or a misspelt header, is not silently half-read. ``--map``
and ``--ignore`` given with a preset take precedence over it, column by column.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    mapping: dict[str, str]  # source column (lower case) → field
    ignored: frozenset[str]  # source columns (lower case) with no field here
    note: str = ""

    def described(self) -> str:
        """The mapping as --help and the README show it."""
        return ", ".join(f"{s}→{t}" for s, t in self.mapping.items())


def _names(text: str) -> frozenset[str]:
    return frozenset(text.casefold().split())


# Koha's patron table (borrowers, as installer/data/mysql/kohastructure.sql declares it), which
# its "Import patrons" tool and a report of "SELECT * FROM borrowers" use as column names.
KOHA = Preset(
    name="koha",
    title="Koha (borrowers columns)",
    mapping={
        "cardnumber": "barcode",
        "surname": "last_name",
        "firstname": "first_name",
        "middle_name": "middle_name",
        "othernames": "nickname",  # Koha's "Other name", what the patron goes by
        "branchcode": "site",  # a code that is no site here puts the patron on the Union Site
        "categorycode": "policy",  # must name one of the policies (or --ignore categorycode)
        "dateexpiry": "expiration_date",
        "userid": "username",
        "email": "email",  # primary email: the patron's first address
        "emailpro": "email2",  # Koha's secondary email
        "b_email": "email3",  # the alternate address's email
    },
    ignored=_names(
        # identity and personal data with no field here
        "borrowernumber title initials pronouns dateofbirth sex lang "
        # addresses and phones (the main, the alternate B_… and the alternate contact)
        "streetnumber streettype address address2 city state zipcode country "
        "phone mobile fax phonepro smsalertnumber sms_provider_id primary_contact_method "
        "B_streetnumber B_streettype B_address B_address2 B_city B_state B_zipcode "
        "B_country B_phone "
        "altcontactfirstname altcontactsurname altcontactaddress1 altcontactaddress2 "
        "altcontactaddress3 altcontactstate altcontactzipcode altcontactcountry "
        "altcontactphone "
        # guarantors and contacts
        "contactname contactfirstname contacttitle relationship contactnote "
        "guarantorid guarantor_id guarantor_relationship "
        # account dates and flags (a lost card or a restriction is not made a status)
        "dateenrolled date_renewed password_expiration_date gonenoaddress lost "
        "debarred debarredcomment "
        # notes and the library's own sort fields
        "borrowernotes opacnote sort1 sort2 patron_attributes extended_attributes "
        "ethnicity ethnotes "
        # credentials: a password (a Koha hash) is never imported
        "password secret auth_method flags login_attempts overdrive_auth_token "
        # settings and bookkeeping
        "privacy privacy_guarantor_fines privacy_guarantor_checkouts checkprevcheckout "
        "autorenew_checkouts anonymized updated_on lastseen",
    ),
    note=(
        "categorycode must name one of this database's policies (--ignore categorycode "
        "leaves it out); sort1 and sort2 are left out unless mapped (e.g. --map "
        "sort1=location); Koha's lost and debarred flags are not made a status."
    ),
)

PRESETS: dict[str, Preset] = {KOHA.name: KOHA}
