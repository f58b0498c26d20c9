"""The other ways in, each a thin driver of core.Pipeline: video files and cameras, the demo,
landmark extraction, and rosbags (make, replay, process); each adds its subcommands to the command
line through `commands.register`.
"""
