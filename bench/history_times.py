"""What the breakdown scripts of bench/ read from a Temporal history (temporal workflow show -o json)."""
import base64
import datetime
import json


def when(event):
    """The event's time; Temporal writes nanoseconds, which datetime cannot hold."""
    stamp = event["eventTime"].rstrip("Z")
    if "." in stamp:
        head, frac = stamp.split(".")
        stamp = head + "." + frac[:6].ljust(6, "0")
    return datetime.datetime.fromisoformat(stamp)


def _payload(details, key):
    """The JSON value of a marker detail (a Payloads of one JSON payload), or None."""
    payloads = details.get(key, {}).get("payloads", [])
    if not payloads:
        return None
    return json.loads(base64.b64decode(payloads[0].get("data", "")) or b"null")


def local_activities(events):
    """(activity type, started, finished, failed) of each local activity, from its MarkerRecorded event
    (marker name LocalActivity). The Java SDK records the workflow's clock at the step's end in its
    detail 'time' (epoch ms: the clock at its start plus how long it ran); local steps run one after
    another in a workflow task, each from where that clock stood: the task's start or the step before."""
    clock, steps = None, []
    for e in events:
        kind = e["eventType"]
        if kind == "EVENT_TYPE_WORKFLOW_TASK_STARTED":
            clock = when(e)
        elif kind == "EVENT_TYPE_MARKER_RECORDED":
            marker = e["markerRecordedEventAttributes"]
            if marker.get("markerName") != "LocalActivity":
                continue
            details = marker.get("details", {})
            ms = _payload(details, "time")
            finished = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).replace(tzinfo=None) \
                if ms is not None else when(e)
            started = clock if clock is not None else finished
            steps.append((_payload(details, "type"), started, finished, "failure" in marker))
            clock = finished
    return steps
