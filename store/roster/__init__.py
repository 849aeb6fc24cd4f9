"""Roster sync: the patrons kept in step with the school's student information system, from
its OneRoster CSV export (1EdTech's standard, which most SIS vendors deliver).

``model`` holds what a roster is once read (users and orgs, whatever the OneRoster
version); ``reader`` reads a folder or a .zip into it (``csv_files`` opens and parses the
files, ``rows`` validates their rows); ``mapping`` says how its users become
patrons of this library."""
