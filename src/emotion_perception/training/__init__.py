"""Training, evaluation and export of EmotiPoseformer (imports torch; the node never imports this)."""
