"""Inline SVG charts for the registry report: an alias timeline and a metric-per-version chart.

Plain strings, no dependencies; every text that comes from the database is escaped. The charts
use CSS classes styled by report.css, so the page stays one file without external resources.
"""
from html import escape


def _num(x):
    """A short label for a metric value."""
    if isinstance(x, float):
        return "%.4g" % x
    return str(x)


def alias_intervals(events):
    """The alias assignments as column ranges: [(alias, version, first, last)] where first is the
    index in `events` of the event that pointed the alias at version and last the index of the
    next event of that alias (None: it still points there) - the view ml_alias_history, by event
    order instead of by time."""
    out, open_ = [], {}
    for i, e in enumerate(events):
        a = e["alias"]
        if a is None:
            continue
        if a in open_:
            out[open_.pop(a)][3] = i
        if e["version"] is not None:
            open_[a] = len(out)
            out.append([a, e["version"], i, None])
    return [tuple(x) for x in out]


def timeline(events, lanes):
    """The model's history as an SVG: one lane of version events (registered, deleted, restored)
    and one lane per alias with a bar for each interval the alias held a version.

    events: [{"id", "at", "version", "alias", "event"}] oldest first (without the model's
    'created' event); lanes: the alias names, in display order. Events are spaced evenly in
    order (registry events often come milliseconds apart, so a linear time axis would stack
    them); each column is labelled with its time, and with its date when that changes."""
    if not events:
        return ""
    step, left, top, lane_h = 64, 110, 24, 30
    width = left + step * len(events) + 40
    height = top + lane_h * (1 + len(lanes)) + 96
    col_x = lambda i: left + step * i + step / 2  # noqa: E731
    end_x = left + step * len(events) + 10
    out = ['<svg class="timeline" role="img" viewBox="0 0 %d %d" width="%d" height="%d">'
           % (width, height, width, height),
           '<title>history: events in order, aliases as bars</title>']
    names = ["versions"] + list(lanes)
    for i, lane in enumerate(names):
        y = top + lane_h * i
        out.append('<text class="lane" x="%d" y="%d">%s</text>'
                   % (left - 8, y + lane_h / 2 + 4, escape(lane if i == 0 else "@" + lane)))
        out.append('<line class="grid" x1="%d" y1="%d" x2="%d" y2="%d"/>'
                   % (left, y + lane_h / 2, end_x, y + lane_h / 2))
    for alias, version, first, last in alias_intervals(events):
        if alias not in lanes:
            continue
        y = top + lane_h * (1 + lanes.index(alias)) + 5
        x1 = col_x(first)
        x2 = col_x(last) if last is not None else end_x
        out.append('<g class="interval"><title>@%s = version %d from %s%s</title>'
                   '<rect class="%s" x="%.1f" y="%d" width="%.1f" height="%d" rx="4"/>'
                   '<text class="barlabel" x="%.1f" y="%d">v%d</text></g>'
                   % (escape(alias), version, escape(events[first]["at"]),
                      " to " + escape(events[last]["at"]) if last is not None else " (current)",
                      "bar" if last is not None else "bar open", x1, y, max(x2 - x1, 6),
                      lane_h - 10, x1 + 5, y + lane_h / 2, version))
    prev_day = None
    for i, e in enumerate(events):
        x = col_x(i)
        out.append('<line class="tick" x1="%.1f" y1="%d" x2="%.1f" y2="%d"/>'
                   % (x, top, x, top + lane_h * len(names)))
        day, clock = e["at"][:10], e["at"][11:23]
        label = clock if day == prev_day else day + " " + clock
        prev_day = day
        out.append('<text class="time" transform="translate(%.1f,%d) rotate(40)">%s</text>'
                   % (x - 4, top + lane_h * len(names) + 8, escape(label)))
        if e["alias"] is None and e["version"] is not None:
            y = top + lane_h / 2
            kind = e["event"]
            out.append('<g class="event %s"><title>%s %s: version %d</title>'
                       '<circle cx="%.1f" cy="%.1f" r="6"/>'
                       '<text class="evlabel" x="%.1f" y="%.1f">v%d</text></g>'
                       % (escape(kind), escape(e["at"]), escape(kind), e["version"], x, y,
                          x + 8, y - 7, e["version"]))
    out.append("</svg>")
    return "".join(out)


def metric_chart(key, points):
    """A small line chart of one numeric metric across versions: points [(version, value)]."""
    if not points:
        return ""
    w, h, left, right, top, bottom = 300, 160, 52, 16, 26, 30
    vals = [v for _, v in points]
    lo, hi = min(vals), max(vals)
    if lo == hi:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    else:
        pad = (hi - lo) * 0.12
        lo, hi = lo - pad, hi + pad
    n = len(points)
    xs = [left + (w - left - right) * (i + 0.5) / n for i in range(n)]
    y_of = lambda v: top + (h - top - bottom) * (1 - (v - lo) / (hi - lo))  # noqa: E731
    ys = [y_of(v) for v in vals]
    out = ['<svg class="metric" role="img" viewBox="0 0 %d %d" width="%d" height="%d">'
           % (w, h, w, h),
           '<title>%s per version</title>' % escape(key),
           '<text class="mtitle" x="%d" y="16">%s</text>' % (left, escape(key)),
           '<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>'
           % (left, h - bottom, w - right, h - bottom),
           '<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>' % (left, top, left, h - bottom),
           '<text class="ylabel" x="%d" y="%.1f">%s</text>'
           % (left - 4, y_of(max(vals)) + 4, _num(max(vals)))]
    if min(vals) != max(vals):
        out.append('<text class="ylabel" x="%d" y="%.1f">%s</text>'
                   % (left - 4, y_of(min(vals)) + 4, _num(min(vals))))
    if n > 1:
        out.append('<polyline class="line" points="%s"/>'
                   % " ".join("%.1f,%.1f" % p for p in zip(xs, ys)))
    for (version, v), x, y in zip(points, xs, ys):
        out.append('<g class="point"><title>version %d: %s = %r</title>'
                   '<circle cx="%.1f" cy="%.1f" r="4"/>'
                   '<text class="vlabel" x="%.1f" y="%.1f">%s</text>'
                   '<text class="xlabel" x="%.1f" y="%d">v%d</text></g>'
                   % (version, escape(key), v, x, y, x, y - 8, _num(v), x, h - bottom + 16,
                      version))
    out.append("</svg>")
    return "".join(out)
