#!/usr/bin/python3
"""The realmboot demo story: boot the LUKS2 test VM three times (normal;
safe mode, where a RealmFS is updated offline and sealed with the key the
boot loaded; normal again, on the new version), typing the disk passphrase
on the serial console, and tell what realmboot did.  Usage: demo.py OUT-DIR
(from tests/vm/build-image)."""
import json, os, shutil, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmrun


def progress(label, stop):
    start = time.time()
    while not stop.wait(10):
        print("   ... %s: %d s (software emulation; a boot takes 1-3 minutes)" % (label, time.time() - start), flush=True)


def boot(out, label, extra, **kw):
    stop = threading.Event()
    t = threading.Thread(target=progress, args=(label, stop), daemon=True)
    t.start()
    try:
        return vmrun.boot(out, extra, log_path=os.path.join(out, "demo-%s.log" % label.split()[0]), **kw)
    finally:
        stop.set()


def keys_line(rep):
    got = []
    for line in rep.get("key", []):
        f = line.split()
        if f[1] == "present":
            got.append("%s (%s bytes, permissions %s)" % (f[0], f[3], f[2]))
    return ", ".join(got) or "none"


def net_line(rep):
    up, addrs = vmrun.report_links(rep, "boot")
    return ", ".join("%s %s%s" % (n, up[n], (" " + " ".join(addrs[n])) if n in addrs else "") for n in sorted(up)) or "no links"


def measure_line(rep, end=False):
    """What the boot measured into the (software) TPM, and whether the
    kernel's PCR 13 is the measurement log replayed (end: as the guest's
    report ended, after what the scenario attached)."""
    words, banks, ok, mode = vmrun.replay_log(rep, "measure-log-end" if end else "measure-log")
    p = vmrun.pcrs(rep, "pcr-end" if end else "pcr")
    same = ok and banks and all(p.get(b) == v for b, v in banks.items())
    short = [w if not w.startswith("verity:") else "verity:" + w.split(":")[1] + ":" + w.split(":")[2][:8] + "..."
             for w in words]
    return ("   measured into PCR 13 (TPM banks %s): %s\n   PCR 13 sha256 %s... %s the log replayed" %
            (", ".join(sorted(banks)) or "none", ", ".join(short) or "nothing", p.get("sha256", "?")[:16],
             "=" if same else "!="))


def main():
    out = os.path.abspath(sys.argv[1])
    env = vmrun.load_env(out)
    work = tempfile.mkdtemp(prefix="realmboot-demo-tpm-")
    tpm = vmrun.tpm_state(work)  # the machine's TPM (swtpm), the same for the three boots
    try:
        run(out, env, tpm)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(out, env, tpm):
    print("\n==> Normal boot: the VM's whole disk is LUKS2; typing the passphrase on its console")
    rep, text, t = boot(out, "normal boot", "realmboot.channel=vendor:" + env["VENDOR_PK"], tpm=tpm)
    print("   booted in %.0f s" % t)
    unlock = rep.get("unlock", ["?"])[0]
    print("   realmboot-unlock (initrd): exit %s; keys in root's kernel keyring: %s" % (unlock.split()[0], keys_line(rep)))
    for m in rep.get("mount", []):
        n, src = m.split(" ", 1)
        v = dict(x.split(" ", 1) for x in rep.get("verity", [])).get("realmfs-" + n, "")
        print("   RealmFS %-8s mounted at /run/realmfs/%s from %s, dm-verity root %s..." %
              (n, n, src.split()[0], (v.split() + ["?"] * 4)[3][:16]))
    for u in rep.get("unit", []):
        name, state = u.split(" ", 1)
        if name.startswith("realm@"):
            print("   realm %-10s %s" % (name[len("realm@"):-len(".service")], state))
    refused = [u.split()[0][len("realmfs-verity@"):-len(".service")] for u in rep.get("unit", [])
               if u.startswith("realmfs-verity@") and u.endswith("failed")]
    if refused:
        print("   refused images (unsigned, untrusted key): %s" % ", ".join(refused))
    if rep.get("tampered-read"):
        print("   the tampered image's realm did not start; reading its flipped file: %s" % rep["tampered-read"][0])
    print("   network (NICs on an empty QEMU hub): %s" % net_line(rep))
    print(measure_line(rep))

    print("\n==> Safe-mode boot (kernel command line: realmboot.safe_mode), updating RealmFS base offline")
    overlay = os.path.join(out, "demo-update.qcow2")
    rep, text, t = boot(out, "safe mode", "realmboot.safe_mode realmboot.key_mode=public vmtest.update", keep=overlay,
                        tpm=tpm)
    print("   booted in %.0f s into %s (%s)" % (t, rep.get("default-target", ["?"])[0], rep.get("safe-mode-target", ["?"])[0]))
    print("   keys: %s (safe mode loads the pair into an offline boot)" % keys_line(rep))
    print("   network: %s; realmboot-netguard %s" % (net_line(rep), rep.get("netguard", ["?"])[0]))
    print("   -.slice IP filter (IPAddressDeny=any, IPAddressAllow=localhost): %s" % rep.get("ipfilter", ["?"])[0])
    print("   ping 192.0.2.1: %s" % rep.get("ping", ["?"])[0].split(" ", 2)[-1][:70])
    active = [u for u in rep.get("unit", []) if u.endswith(" active")]
    print("   realms running: %s; RealmFS mounted: %s" % (len(active), len(rep.get("mount", []))))
    print("   network services: %s" % "; ".join(rep.get("net", [])))
    print(measure_line(rep) + " (realmboot:safe-mode, extended before the key pair was loaded)")
    print("   $ realmfsctl update base --commit -- /bin/sh -c 'echo updated >/etc/update-test'")
    rc = rep.get("update-rc", ["? (no report)"])[0].split(" ", 1)
    print("     exit %s: %s" % (rc[0], rc[1] if len(rc) > 1 else ""))
    try:
        meta = json.loads(rep.get("update-meta", ["{}"])[0])["metainfo"]
    except (ValueError, KeyError):
        meta = {}
    print("   base-realmfs.img now: version %s, channel %s, signed root %s..." %
          (meta.get("version", "?"), meta.get("channel", "?"), meta.get("verity-root", "?")[:16]))

    print("\n==> Normal boot on the same disk: the realms run on the sealed update")
    rep, text, t = boot(out, "next boot", "realmboot.channel=vendor:" + env["VENDOR_PK"] + " vmtest.update-next", backing=overlay,
                        tpm=tpm)
    try:
        os.unlink(overlay)
    except OSError:
        pass
    print("   booted in %.0f s" % t)
    v = dict(x.split(" ", 1) for x in rep.get("verity", [])).get("realmfs-base", "")
    root = (v.split() + ["?"] * 4)[3]
    print("   realm main: %s; dm-verity root of base %s... (%s the sealed one)" %
          (dict(u.split(" ", 1) for u in rep.get("unit", [])).get("realm@main.service", "?"), root[:16],
           "is" if root == meta.get("verity-root") else "is NOT"))
    print("   /etc/update-test in base: %s" % rep.get("next-file", ["?"])[0])
    print("   live: work-tools updated while main runs, realm work-dev restarted sees: %s" % rep.get("live-file", ["?"])[0])
    print("   updating base while main runs says: %s" % rep.get("busy-update", ["?"])[0].split(" ", 1)[-1][-170:])
    print(measure_line(rep, end=True) + "\n   (base measured with its new root; work-tools appended when it was attached again)")
    print("\nDone: the VMs powered off; console logs are in %s/demo-*.log" % out)


if __name__ == "__main__":
    main()
