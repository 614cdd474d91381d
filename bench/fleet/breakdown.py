"""Where a MigrateFleet's time went, from its history and its children's, as Markdown table rows.

Usage: python3 breakdown.py FLEET.json CHILD.json...   (each from: temporal workflow show -o json)

Per disk (one MigrateDisk child): its start to close; the time its activities ran (the libvirt calls,
the copy, the checks: the work the virsh sequence also does); and the rest, the orchestration: waiting
for the worker to pick each activity up, and the workflow tasks between the steps.
"""
import json
import os
import statistics
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from history_times import local_activities, when  # noqa: E402


def seconds(a, b):
    return (b - a).total_seconds()


def events(path):
    return json.load(open(path))["events"]


def child_figures(history):
    """Seconds of one MigrateDisk: start to close; in activities; activities waiting for the worker;
    workflow tasks waiting for the worker; workflow tasks running on the worker."""
    scheduled = {}      # event ID of a scheduled activity or workflow task -> when
    activity_started = {}  # scheduled event ID -> when
    task_started = {}   # workflow task started event ID -> when
    running = waiting = task_waiting = task_running = 0.0
    for e in history:
        kind = e["eventType"]
        if kind in ("EVENT_TYPE_ACTIVITY_TASK_SCHEDULED", "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED"):
            scheduled[e["eventId"]] = when(e)
        elif kind == "EVENT_TYPE_ACTIVITY_TASK_STARTED":
            activity_started[e["activityTaskStartedEventAttributes"]["scheduledEventId"]] = when(e)
        elif kind == "EVENT_TYPE_ACTIVITY_TASK_COMPLETED":
            sid = e["activityTaskCompletedEventAttributes"]["scheduledEventId"]
            running += seconds(activity_started[sid], when(e))
            waiting += seconds(scheduled[sid], activity_started[sid])
        elif kind == "EVENT_TYPE_WORKFLOW_TASK_STARTED":
            task_started[e["eventId"]] = when(e)
            task_waiting += seconds(scheduled[e["workflowTaskStartedEventAttributes"]["scheduledEventId"]], when(e))
        elif kind == "EVENT_TYPE_WORKFLOW_TASK_COMPLETED":
            task_running += seconds(task_started[e["workflowTaskCompletedEventAttributes"]["startedEventId"]], when(e))
    # Local activities run inside workflow tasks: their time is the steps' work, not the tasks'.
    local = sum(seconds(go, done) for _, go, done, _ in local_activities(history))
    running += local
    task_running -= local
    return seconds(when(history[0]), when(history[-1])), running, waiting, task_waiting, task_running


def step_times(history):
    """{activity type: seconds it ran} of one MigrateDisk, local activities included."""
    scheduled, started, steps = {}, {}, {}
    for e in history:
        kind = e["eventType"]
        if kind == "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED":
            scheduled[e["eventId"]] = e["activityTaskScheduledEventAttributes"]["activityType"]["name"]
        elif kind == "EVENT_TYPE_ACTIVITY_TASK_STARTED":
            started[e["activityTaskStartedEventAttributes"]["scheduledEventId"]] = when(e)
        elif kind == "EVENT_TYPE_ACTIVITY_TASK_COMPLETED":
            sid = e["activityTaskCompletedEventAttributes"]["scheduledEventId"]
            steps[scheduled[sid]] = steps.get(scheduled[sid], 0.0) + seconds(started[sid], when(e))
    for name, go, done, _ in local_activities(history):
        steps[name + " (local)"] = steps.get(name + " (local)", 0.0) + seconds(go, done)
    return steps


def refills(fleet):
    """For each child started after the first wave: seconds since the latest end the fleet heard of
    before it (a child's DiskFinished signal, which comes before its close event, or the close)."""
    ends, starts = [], []
    for e in fleet:
        if e["eventType"] in ("EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED", "EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED"):
            ends.append(when(e))
        elif e["eventType"] == "EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED":
            starts.append(when(e))
    gaps = []
    for started in starts:
        earlier = [t for t in ends if t <= started]
        if earlier:
            gaps.append(seconds(max(earlier), started))
    return gaps


def row(label, values):
    if not values:
        return
    print(f"| {label}, median (max) | {statistics.median(values):.3f} ({max(values):.3f}) |")


fleet = events(sys.argv[1])
histories = [events(path) for path in sys.argv[2:]]
children = [child_figures(history) for history in histories]
print(f"| blockshift MigrateFleet: the fleet workflow's start to close (server timestamps) | "
      f"{seconds(when(fleet[0]), when(fleet[-1])):.1f} |")
row(f"per disk ({len(children)}): MigrateDisk start to close", [c[0] for c in children])
row("per disk: in its seven activities, local ones included (libvirt calls, the copy, the checks)", [c[1] for c in children])
row("**per disk: orchestration (start to close minus the activities)**", [c[0] - c[1] for c in children])
row("per disk: of which activities waiting for the worker to pick them up", [c[2] for c in children])
row("per disk: of which workflow tasks waiting for the worker", [c[3] for c in children])
row("per disk: of which workflow tasks running on the worker", [c[4] for c in children])
row("the fleet: from a disk's end (its signal) to the start of the next one", refills(fleet))

steps = [step_times(history) for history in histories]
print()
print("| per disk: each step, median (max), s | |")
print("|---|---|")
for name in sorted({n for s in steps for n in s}, key=lambda n: -statistics.median([s.get(n, 0.0) for s in steps])):
    values = [s.get(name, 0.0) for s in steps]
    print(f"| {name} | {statistics.median(values):.3f} ({max(values):.3f}) |")
