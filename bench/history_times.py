"""What the breakdown scripts of bench/ read from a Temporal history (temporal workflow show -o json)."""
import datetime


def when(event):
    """The event's time; Temporal writes nanoseconds, which datetime cannot hold."""
    stamp = event["eventTime"].rstrip("Z")
    if "." in stamp:
        head, frac = stamp.split(".")
        stamp = head + "." + frac[:6].ljust(6, "0")
    return datetime.datetime.fromisoformat(stamp)
