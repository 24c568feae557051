"""The case engine's pure core: case state, step runs, transitions and their events.

A case (办件) is one application running through one registered workflow version. Every
command takes `now` and the calendar as arguments and returns events; nothing here touches a
database, Prefect, the network or the wall clock.
"""
