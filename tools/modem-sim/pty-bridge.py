# Opens a pseudo-terminal in raw mode, prints the slave's path on stderr, and relays bytes between
# the master side and this process's stdin/stdout, so a Node modem simulator can sit behind a
# /dev/pts/N that any AT client (gammu) opens as a serial port. Python's standard pty/tty/os only.
import os, sys, pty, tty, select, signal

signal.signal(signal.SIGPIPE, signal.SIG_DFL)
master, slave = pty.openpty()
tty.setraw(slave)
path = os.ttyname(slave)
sys.stderr.write(path + "\n")
sys.stderr.flush()
# The slave stays open here so the raw settings survive an AT client closing and reopening it.
inp = sys.stdin.fileno()
out = sys.stdout.fileno()
while True:
    r, _, _ = select.select([master, inp], [], [])
    if master in r:
        try:
            data = os.read(master, 4096)
        except OSError:
            data = b""
        if data:
            os.write(out, data)
    if inp in r:
        data = os.read(inp, 4096)
        if not data:
            break
        os.write(master, data)
