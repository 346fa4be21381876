"""电子证照: Electronic licences: signing, offline QR verification, revocation, holder wallet."""
