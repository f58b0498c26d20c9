"""The other ways in, each a thin driver of core.Pipeline: the `emotion-perception` command line,
video files and cameras, the demo, landmark extraction, and rosbags (make, replay, process, goldens).
"""
