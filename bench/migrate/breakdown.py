"""Splits a MigrateDisk history into the time activities ran and the time spent between them.

Usage: python3 breakdown.py HISTORY.json   (from: temporal workflow show -o json)
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from history_times import local_activities, when  # noqa: E402

events = json.load(open(sys.argv[1]))["events"]
first, last = when(events[0]), when(events[-1])
scheduled, started, rows = {}, {}, []
for e in events:
    kind = e["eventType"]
    if kind == "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED":
        scheduled[e["eventId"]] = (e["activityTaskScheduledEventAttributes"]["activityType"]["name"], when(e))
    elif kind == "EVENT_TYPE_ACTIVITY_TASK_STARTED":
        started[e["activityTaskStartedEventAttributes"]["scheduledEventId"]] = when(e)
    elif kind == "EVENT_TYPE_ACTIVITY_TASK_COMPLETED":
        sid = e["activityTaskCompletedEventAttributes"]["scheduledEventId"]
        name, at = scheduled[sid]
        rows.append((name, at, started[sid], when(e)))
# Local activities run inside a workflow task, on the worker that runs it: no wait for a worker.
rows += [(name + " (local)", go, go, done) for name, go, done, _ in local_activities(events)]
rows.sort(key=lambda r: r[2])

total = (last - first).total_seconds()
ms = lambda a, b: (b - a).total_seconds() * 1000
running = sum(ms(go, done) for _, _, go, done in rows)
waiting = sum(ms(at, go) for _, at, go, _ in rows)
print("| activity | ms waiting for a worker | ms running |")
print("|---|---|---|")
for name, at, go, done in rows:
    print(f"| {name} | {ms(at, go):.0f} | {ms(go, done):.0f} |")
print(f"| **in activities** | **{waiting:.0f}** | **{running:.0f}** |")
print(f"| **workflow tasks and the rest** | | **{total * 1000 - running - waiting:.0f}** |")
print(f"| **workflow, start to close** | | **{total * 1000:.0f}** |")
