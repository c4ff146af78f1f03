"""One test per finding of the R2 3/8 security review: each reproduces the attack and shows
it fails."""
