"""A text progress bar for bulk imports, standard library only.

    bar = ProgressBar(sys.stderr)
    reg.register_files(conn, files, progress=bar)

On a terminal the bar redraws one line ("\r"); on a pipe or file (CI logs) it writes one line per
file instead, so logs stay readable.
"""
import os
import time


class ProgressBar:
    def __init__(self, stream, width=30, label="importing", tty=None):
        self.stream = stream
        self.width = width
        self.label = label
        self.tty = stream.isatty() if tty is None else tty
        self.start = time.monotonic()

    def line(self, done, total, path):
        frac = done / total if total else 1.0
        filled = int(round(frac * self.width))
        bar = "#" * filled + "." * (self.width - filled)
        text = "%s [%s] %d/%d %3d%%" % (self.label, bar, done, total, int(frac * 100))
        if path is None:
            text += " done in %.1f s" % (time.monotonic() - self.start)
        else:
            text += " " + os.path.basename(path)
        return text

    def __call__(self, done, total, path):
        text = self.line(done, total, path)
        if self.tty:
            # Pad to overwrite a longer previous line; a newline only at the end.
            self.stream.write("\r" + text.ljust(self.width + 60) + ("\n" if path is None else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
