"""CPU and memory of the stack's processes, for the benchmarks.

With PGDATA_DIR set to the stack's PostgreSQL data directory:
  procstat.py snapshot STATE_DIR OUT.json   CPU seconds per component now
  procstat.py report BEFORE.json AFTER.json PINGS STATE_DIR
        prints CPU seconds and ms of CPU per ping for each component over the
        run, the whole machine's busy share (and the load generator's CPU,
        given in LOAD_CPU_SECONDS), and the memory of the three services now (RSS, and PSS: shared
        library pages counted once)
"""
import json
import os
import sys

TICKS = os.sysconf("SC_CLK_TCK")


def read_stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the command: state ppid ... utime(14th overall) stime(15th).
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS


def all_processes():
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                out[int(entry)] = read_stat(entry)
            except (OSError, IndexError, ValueError):
                pass
    return out


def descendants(procs, root):
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _) in procs.items():
            if ppid == parent and pid not in found:
                found.add(pid)
                frontier.append(pid)
    return found


def pid_file(path):
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def components(state):
    run = os.path.join(state, "run")
    comps = {name: pid_file(os.path.join(run, name + ".pid"))
             for name in ("gateway", "data", "scheduler", "nginx")}
    # The postmaster of the stack's cluster (PGDATA given by the caller).
    comps["postgres"] = pid_file(os.path.join(os.environ["PGDATA_DIR"],
                                              "postmaster.pid"))
    return comps


def machine_ticks():
    """Whole-machine CPU time in seconds: (busy, idle incl. I/O wait)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is in user).
    idle = fields[3] + fields[4]
    busy = sum(fields[:8]) - idle
    return busy / TICKS, idle / TICKS


def snapshot(state):
    procs = all_processes()
    out = {}
    out["machine_busy"], out["machine_idle"] = machine_ticks()
    for name, root in components(state).items():
        if root is None or root not in procs:
            continue
        pids = descendants(procs, root) if name in ("nginx", "postgres") else {root}
        out[name] = sum(procs[p][1] for p in pids if p in procs)
    return out


def proc_mb(pid, file, key):
    """A "Key:  N kB" line of /proc/PID/FILE, in MB (0 when unreadable)."""
    try:
        with open(f"/proc/{pid}/{file}") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def rss_mb(pid):
    return proc_mb(pid, "status", "VmRSS")


def pss_mb(pid):
    return proc_mb(pid, "smaps_rollup", "Pss")


def main():
    if sys.argv[1] == "snapshot":
        with open(sys.argv[3], "w") as f:
            json.dump(snapshot(sys.argv[2]), f)
        return
    before = json.load(open(sys.argv[2]))
    after = json.load(open(sys.argv[3]))
    pings = max(1, int(sys.argv[4]))
    state = sys.argv[5]
    total = 0.0
    parts = []
    for name in ("nginx", "gateway", "data", "postgres"):
        used = after.get(name, 0) - before.get(name, 0)
        total += used if name != "nginx" else 0
        parts.append(f"{name} {used:.2f} s ({1000 * used / pings:.4f} ms/ping)")
    print("  CPU over the run: " + ", ".join(parts))
    print(f"  gateway + data + PostgreSQL: {1000 * total / pings:.4f} ms of CPU per ping")
    busy = after.get("machine_busy", 0) - before.get("machine_busy", 0)
    idle = after.get("machine_idle", 0) - before.get("machine_idle", 0)
    # The load generator shares the machine; its CPU seconds come from the
    # caller (bash's `time` around it), since it has exited by now.
    wrk = float(os.environ.get("LOAD_CPU_SECONDS", "0"))
    if busy + idle > 0:
        print(f"  whole machine: {100 * busy / (busy + idle):.0f} % busy "
              f"({1000 * busy / pings:.4f} ms/ping), of which the load "
              f"generator (wrk) {1000 * wrk / pings:.4f} ms/ping")
    comps = components(state)
    names = [n for n in ("gateway", "data", "scheduler") if comps.get(n)]
    mem = {n: rss_mb(comps[n]) for n in names}
    pss = {n: pss_mb(comps[n]) for n in names}
    print("  resident memory now (RSS): " + ", ".join(f"{n} {v:.1f} MB" for n, v in mem.items())
          + f" (sum {sum(mem.values()):.1f} MB)")
    # RSS counts the pages of gRPC, Protobuf, Abseil, libstdc++ ... once per
    # process that maps them; PSS shares each such page out among them, so
    # the sum of PSS is what the three occupy together.
    print("  memory of the three together (PSS, shared libraries counted once): "
          + ", ".join(f"{n} {v:.1f} MB" for n, v in pss.items())
          + f" (together {sum(pss.values()):.1f} MB)")
    print(f"cpu_ms_per_ping={1000 * total / pings:.4f} services_rss_mb={sum(mem.values()):.1f} "
          f"services_pss_mb={sum(pss.values()):.1f}")


if __name__ == "__main__":
    main()
