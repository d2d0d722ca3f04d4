"""Translated labels for the codes stored in municipality data."""
from flask_babel import lazy_gettext as _l

REGION_LABELS = {
    "batken": _l("Batken region"),
    "chui": _l("Chüy region"),
    "issyk_kul": _l("Issyk-Kul region"),
    "jalal_abad": _l("Jalal-Abad region"),
    "naryn": _l("Naryn region"),
    "osh": _l("Osh region"),
    "talas": _l("Talas region"),
    "bishkek_city": _l("Bishkek city"),
    "osh_city": _l("Osh city"),
}
KIND_LABELS = {"town": _l("Town"), "aiyl_aimak": _l("Aiyl aimak (rural municipality)")}
AREA_KIND_LABELS = {"village": _l("Village"), "ward": _l("Ward")}
ROLE_LABELS = {
    "coordinator": _l("Coordinator"),
    "facilitator": _l("Facilitator"),
    "member": _l("Working group member"),
    "police": _l("Police"),
    "viewer": _l("Viewer"),
}
ORGANISATION_KIND_LABELS = {
    "local_government": _l("Local government (aiyl okmotu, mayor's office)"),
    "council": _l("Local council (kenesh)"),
    "police": _l("Police"),
    "school": _l("School"),
    "womens_council": _l("Women's council"),
    "youth_committee": _l("Youth committee"),
    "ngo": _l("NGO"),
    "health_centre": _l("Health centre"),
    "religious": _l("Religious organisation"),
    "media": _l("Media"),
    "other": _l("Other"),
}
GENDER_LABELS = {"female": _l("Woman"), "male": _l("Man"), "unspecified": _l("Not stated")}
GROUP_ROLE_LABELS = {"member": _l("Member"), "chair": _l("Chair"), "secretary": _l("Secretary")}
