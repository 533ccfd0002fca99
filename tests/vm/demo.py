#!/usr/bin/python3
"""The realmboot demo story: boot the LUKS2 test VM twice (normal, then safe
mode), typing the disk passphrase on the serial console, and tell what
realmboot did.  Usage: demo.py OUT-DIR (from tests/vm/build-image)."""
import os, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmrun


def progress(label, stop):
    start = time.time()
    while not stop.wait(10):
        print("   ... %s: %d s (software emulation; a boot takes 1-3 minutes)" % (label, time.time() - start), flush=True)


def boot(out, label, extra):
    stop = threading.Event()
    t = threading.Thread(target=progress, args=(label, stop), daemon=True)
    t.start()
    try:
        return vmrun.boot(out, extra, log_path=os.path.join(out, "demo-%s.log" % label.split()[0]))
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


def main():
    out = sys.argv[1]
    env = vmrun.load_env(out)
    print("\n==> Normal boot: the VM's whole disk is LUKS2; typing the passphrase on its console")
    rep, text, t = boot(out, "normal boot", "realmboot.channel=vendor:" + env["VENDOR_PK"])
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

    print("\n==> Safe-mode boot (kernel command line: realmboot.safe_mode)")
    rep, text, t = boot(out, "safe mode", "realmboot.safe_mode realmboot.key_mode=public")
    print("   booted in %.0f s into %s (%s)" % (t, rep.get("default-target", ["?"])[0], rep.get("safe-mode-target", ["?"])[0]))
    print("   keys: %s (safe mode loads the pair into an offline boot)" % keys_line(rep))
    print("   network: %s; realmboot-netguard %s" % (net_line(rep), rep.get("netguard", ["?"])[0]))
    print("   -.slice IP filter (IPAddressDeny=any, IPAddressAllow=localhost): %s" % rep.get("ipfilter", ["?"])[0])
    print("   ping 192.0.2.1: %s" % rep.get("ping", ["?"])[0].split(" ", 2)[-1][:70])
    active = [u for u in rep.get("unit", []) if u.endswith(" active")]
    print("   realms running: %s; RealmFS mounted: %s" % (len(active), len(rep.get("mount", []))))
    print("   network services: %s" % "; ".join(rep.get("net", [])))
    print("\nDone: the VMs powered off; console logs are in %s/demo-*.log" % out)


if __name__ == "__main__":
    main()
