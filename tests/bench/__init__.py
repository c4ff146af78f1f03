"""`make bench`: every figure the project promises, measured in one run (see __main__)."""
