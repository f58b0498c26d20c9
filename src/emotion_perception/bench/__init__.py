"""`emotion-perception bench`: what the node costs, measured as ratios within one run."""
