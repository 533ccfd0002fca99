#!/usr/bin/python3
"""Boots the test VM once and reports what the guest saw.

Boots OUT/disk.img through a copy-on-write overlay, answers the LUKS
passphrase prompt on the serial console (the real path: systemd-cryptsetup
then caches it in the kernel keyring for realmboot-unlock), collects the
guest's "@@R" report lines and always stops the VM.  Used by test-vm.py.
"""
import json, os, re, subprocess, sys, tempfile, time

try:
    import pexpect
except ImportError:
    pexpect = None

PROMPT = re.compile(rb"[Pp]lease enter passphrase for disk[^\n]*?: ?")


def load_env(out):
    env = {}
    for line in open(os.path.join(out, "vm.env")):
        k, _, v = line.strip().partition("=")
        env[k] = v
    return env


_accel = None


def kvm_works(kernel):
    """Whether KVM can run the guest kernel: /dev/kvm may exist and still
    refuse it (nested virtualization).  Boots the kernel for a few seconds
    and looks for its first words on the console."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False
    try:
        p = subprocess.run(["qemu-system-x86_64", "-accel", "kvm", "-cpu", "host", "-m", "256", "-nographic",
                            "-no-reboot", "-kernel", kernel, "-append", "console=ttyS0 panic=-1"],
                           capture_output=True, timeout=15)
        out = p.stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout or b""
    return b"Linux version" in out


def accel(kernel):
    """KVM when it works (REALMBOOT_VM_ACCEL=kvm|tcg forces one), else TCG."""
    global _accel
    if _accel is None:
        want = os.environ.get("REALMBOOT_VM_ACCEL", "auto")
        use_kvm = want == "kvm" or (want == "auto" and kvm_works(kernel))
        _accel = ["-accel", "kvm", "-cpu", "host"] if use_kvm else ["-accel", "tcg,tb-size=128", "-cpu", "max"]
        print("# VM acceleration: %s" % ("KVM" if use_kvm else "TCG (software emulation)"), flush=True)
    return _accel


def base_cmdline(env):
    """The kernel command line of every test boot, before the scenario's options."""
    return ("console=ttyS0,115200 rd.luks.name=%s=root root=/dev/mapper/root rw panic=-1 "
            "systemd.show_status=1 rd.udev.log_level=3 net.ifnames=0" % env["LUKS_UUID"])


def nic_args(monitor):
    """Two virtio NICs (eth0, eth1) and a third hub port for a NIC that
    hotplug() adds later, all on QEMU hub 0 with nothing else on it: no
    user-mode networking, no host bridge, nothing leaves the VM.  The HMP
    monitor on a unix socket takes the device_add."""
    # romfile= (no iPXE option ROM): the kernel is booted directly, and
    # SeaBIOS running two ROMs costs 2.5 s a boot under TCG
    return ["-netdev", "hubport,id=n0,hubid=0", "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:10,romfile=",
            "-netdev", "hubport,id=n1,hubid=0", "-device", "virtio-net-pci,netdev=n1,mac=52:54:00:12:34:11,romfile=",
            "-netdev", "hubport,id=n2,hubid=0", "-monitor", "unix:%s,server=on,wait=off" % monitor]


def hmp(monitor, command):
    """One HMP command on the monitor socket; returns what QEMU answered."""
    import socket
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(monitor)
    out = b""
    try:
        out += s.recv(4096)  # the banner and prompt
        s.sendall(command.encode() + b"\n")
        time.sleep(1)
        out += s.recv(65536)
    except OSError:
        pass
    finally:
        s.close()
    return out.decode("utf-8", "replace")


# A TCG guest now and then stalls in the kernel's early boot (seen once
# right after "Switched to clocksource hpet"), before any of our code runs:
# with no passphrase prompt by then, the boot is retried once.
EARLY_HANG_S = 180


def tpm_state(work, banks="sha1,sha256"):
    """A manufactured software TPM 2.0 (swtpm_setup) with these PCR banks
    active, in work/tpm: the state of a machine's TPM, which a boot
    (tpm=) powers on with its PCRs reset."""
    state = os.path.join(work, "tpm")
    os.makedirs(state, exist_ok=True)
    subprocess.run(["swtpm_setup", "--tpm2", "--tpm-state", state, "--pcr-banks", banks, "--overwrite"],
                   check=True, capture_output=True)
    return state


def tpm_start(state, work):
    """swtpm for one boot, on a unix socket QEMU connects to; it ends with
    QEMU's connection.  Returns (process, QEMU arguments)."""
    sock = os.path.join(work, "swtpm.sock")
    p = subprocess.Popen(["swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + state, "--ctrl",
                          "type=unixio,path=" + sock, "--terminate", "--log", "file=" + os.path.join(work, "swtpm.log")])
    for _ in range(100):
        if os.path.exists(sock):
            break
        time.sleep(0.05)
    return p, ["-chardev", "socket,id=chrtpm,path=" + sock, "-tpmdev", "emulator,id=tpm0,chardev=chrtpm",
               "-device", "tpm-tis,tpmdev=tpm0"]


def boot(out, cmdline_extra="", passphrases=None, timeout=None, log_path=None, backing=None, keep=None,
         kernel=None, initrd=None, cmdline=None, on_line=None, tpm=None, _retry=True):
    """Returns (report dict of lists, console text, elapsed seconds).

    backing: a qcow2 overlay of an earlier boot to start from (its changes
    kept); keep: a path to keep this boot's overlay at, for a later boot;
    kernel, initrd, cmdline: boot these instead of the built ones and
    base_cmdline() + cmdline_extra (as a boot loader entry would);
    on_line: {"@@R KEY": function(monitor_socket)}, called once when the
    guest prints that line (the guest waits for what it does); tpm: the
    state directory of a software TPM (tpm_state()) the VM then has, as a
    TIS device: its PCRs start at zero, as at any power-on."""
    env = load_env(out)
    # TCG is slow: the default leaves room for a loaded machine
    timeout = timeout or int(os.environ.get("REALMBOOT_VM_TIMEOUT", "480"))
    passphrases_given = passphrases
    passphrases = list(passphrases if passphrases is not None else [env["PASSPHRASE"]])
    work = tempfile.mkdtemp(prefix="realmboot-vm-")
    overlay = keep or os.path.join(work, "overlay.qcow2")
    # the guest's report channel (its ttyS1): nothing but the reporter writes there
    report_path = os.path.join(work, "report.log")
    base, fmt = (backing, "qcow2") if backing else (env["DISK"], "raw")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", base, "-F", fmt, overlay], check=True)
    append = cmdline if cmdline is not None else ("%s %s" % (base_cmdline(env), cmdline_extra)).strip()
    args = ["qemu-system-x86_64", *accel(env["KERNEL"]), "-smp", "2", "-m", "1024", "-nographic", "-no-reboot",
            "-kernel", kernel or env["KERNEL"], "-initrd", initrd or env["INITRD"], "-append", append,
            "-drive", "file=%s,format=qcow2,if=virtio" % overlay,
            "-nic", "none", *nic_args(os.path.join(work, "monitor.sock")), "-serial", "mon:stdio",
            "-serial", "file:%s" % report_path]
    tpm_proc = None
    if tpm:
        tpm_proc, tpm_args = tpm_start(tpm, work)
        args += tpm_args
    triggers = dict(on_line or {})
    start = time.time()
    child = pexpect.spawn(args[0], args[1:], timeout=timeout, maxread=65536)
    log = open(log_path or os.path.join(work, "console.log"), "wb")
    child.logfile_read = log
    prompted, hung_early = not passphrases, False
    try:
        deadline = start + timeout
        while True:
            left = max(1, deadline - time.time())
            if not prompted:
                left = min(left, max(1, start + EARLY_HANG_S - time.time()))
            patterns = [PROMPT, rb"@@R done 1", pexpect.EOF, pexpect.TIMEOUT] + [re.escape(k.encode()) for k in triggers]
            i = child.expect(patterns, timeout=left)
            if i >= 4:
                key = list(triggers)[i - 4]
                triggers.pop(key)(os.path.join(work, "monitor.sock"))
            elif i == 0:
                prompted = True
                p = passphrases.pop(0) if passphrases else None
                if p is None:
                    break  # no more answers: let the boot time out
                time.sleep(0.5)
                child.sendline(p)
            elif i == 1:
                child.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=60)
                break
            else:
                hung_early = i == 3 and not prompted
                break
    finally:
        if child.isalive():
            child.terminate(force=True)
        if tpm_proc:
            try:
                tpm_proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                tpm_proc.kill()
                tpm_proc.wait()
        log.close()
        if not keep:
            try:
                os.unlink(overlay)
            except OSError:
                pass
    if hung_early and _retry:
        print("# boot stalled before the passphrase prompt (%d s, early kernel boot under TCG): retrying once" %
              EARLY_HANG_S, flush=True)
        return boot(out, cmdline_extra, passphrases_given, timeout, log_path, backing, keep, kernel, initrd, cmdline,
                    on_line, tpm, _retry=False)
    text = open(log.name, "rb").read().decode("utf-8", "replace")
    try:
        channel = open(report_path, "rb").read().decode("utf-8", "replace")
        os.unlink(report_path)
    except OSError:
        channel = ""
    if log_path:
        with open(re.sub(r"\.log$", "", log_path) + ".report", "w") as f:
            f.write(channel)
    report = {}
    # the report channel when the guest wrote there; the console (where a
    # long line may be cut by kernel messages) only when it did not
    for line in (channel if "@@R " in channel else text).splitlines():
        line = line.strip("\r")
        # systemd's status output may share the line (cursor escapes before it)
        at = line.find("@@R ")
        if at >= 0 and (at == 0 or line[at - 1] in "\x1b[K] "):
            parts = line[at + 4:].split(" ", 1)
            report.setdefault(parts[0], []).append(parts[1] if len(parts) > 1 else "")
    return report, text, time.time() - start


def replay_log(rep, key="measure-log"):
    """The guest's measurement log (reported base64; key measure-log-end:
    as it was at the end): its words, each bank's value replayed, whether
    every digest is its word's, and the file's mode."""
    import base64, hashlib
    f = (rep.get(key) or [""])[0].split()
    data = base64.b64decode(f[0]) if f else b""
    words, banks, digests_ok = [], {}, True
    for rec in data.split(b"\x1e"):
        if not rec.strip():
            continue
        rec = json.loads(rec)
        if rec.get("pcr") != 13:
            continue
        words.append(rec["content"]["string"])
        for d in rec["digests"]:
            alg, dig = d["hashAlg"], bytes.fromhex(d["digest"])
            digests_ok &= hashlib.new(alg, rec["content"]["string"].encode()).digest() == dig
            v = banks.get(alg, bytes(hashlib.new(alg).digest_size))
            banks[alg] = hashlib.new(alg, v + dig).digest()
    return words, {k: v.hex() for k, v in banks.items()}, digests_ok, f[1] if len(f) > 1 else ""


def pcrs(rep, key="pcr"):
    """{bank: PCR 13 hex} as the guest's kernel showed it ({} without a
    TPM); key pcr-end: at the end of the guest's report."""
    return dict(l.split(" ", 1) for l in rep.get(key, []) if " " in l)


def report_links(rep, stage):
    """From a boot's report: {link: "UP"|"DOWN"} and {link: [addresses]}
    the guest saw at stage ("boot", "hotplug", "isolate")."""
    up, addrs = {}, {}
    for line in rep.get("link", []):
        f = line.split()
        if len(f) == 3 and f[0] == stage:
            up[f[1]] = f[2]
    for line in rep.get("addr", []):
        f = line.split()
        if len(f) == 3 and f[0] == stage:
            addrs.setdefault(f[1], []).append(f[2])
    return up, addrs


if __name__ == "__main__":
    out = sys.argv[1]
    extra = sys.argv[2] if len(sys.argv) > 2 else ""
    rep, text, t = boot(out, extra, log_path=os.path.join(out, "last-console.log"))
    for k, v in rep.items():
        for x in v:
            print(k, x)
    print("boot took %.0f s" % t)
