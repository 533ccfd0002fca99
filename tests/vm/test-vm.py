#!/usr/bin/python3
"""The VM suite: real boots of the LUKS2 test disk (tests/vm/build-image),
the passphrase typed on the serial console, real dm-verity.  Each scenario
is one boot with its own kernel command line; the guest reports, the host
asserts.  Prints one ok/not ok line per check and "N passed, N failed".

Usage: test-vm.py OUT-DIR [SCENARIO...]
"""
import json, os, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmrun

n_ok = n_fail = 0
DEV = "realm@work\\x2ddev.service"  # the realm with a dash in its name, as systemctl lists it


def check(cond, what, detail=""):
    global n_ok, n_fail
    if cond:
        n_ok += 1
        print("ok - " + what)
    else:
        n_fail += 1
        print("not ok - %s%s" % (what, (": " + detail) if detail else ""))
    return cond


def one(rep, key, default=""):
    v = rep.get(key, [default])
    return v[0] if v else default


def keys(rep):
    """{name: (present, perm, length)}"""
    out = {}
    for line in rep.get("key", []):
        f = line.split()
        out[f[0]] = (f[1] == "present", f[2] if len(f) > 2 else "", f[3] if len(f) > 3 else "")
    return out


def units(rep):
    return dict(line.split(" ", 1) for line in rep.get("unit", []) if " " in line)


def mounts(rep):
    return dict(line.split(" ", 1) for line in rep.get("mount", []) if " " in line)


def verity(rep):
    return dict(line.split(" ", 1) for line in rep.get("verity", []) if " " in line)


def signed_root(out, name):
    img = os.path.join(out, "rootfs/storage/realms/realmfs-images/%s-realmfs.img" % name)
    p = subprocess.run([os.path.join(out, "build/tool/realmfsctl"), "inspect", "--json", img],
                       capture_output=True, text=True)
    return json.loads(p.stdout)["metainfo"]["verity-root"]


def expect_pair(rep, label):
    k = keys(rep)
    check(k.get("realmfs-user", (False,))[0] and k["realmfs-user"][1:] == ("3f000000", "32"),
          label + ": realmfs-user in @u, possessor-only, 32 bytes", str(k.get("realmfs-user")))
    check(k.get("realmfs-user-public", (False,))[0] and k["realmfs-user-public"][1:] == ("3f030000", "32"),
          label + ": realmfs-user-public in @u, user view+read, 32 bytes", str(k.get("realmfs-user-public")))


def expect_public_only(rep, label):
    k = keys(rep)
    check(not k.get("realmfs-user", (True,))[0], label + ": no realmfs-user (secret) key", str(k.get("realmfs-user")))
    check(k.get("realmfs-user-public", (False,))[0], label + ": realmfs-user-public loaded")


def expect_no_keys(rep, label):
    k = keys(rep)
    check(not k.get("realmfs-user", (True,))[0] and not k.get("realmfs-user-public", (True,))[0],
          label + ": no keys loaded", str(k))


def expect_settled(rep, label):
    check(one(rep, "done") == "1", label + ": the boot completed and the guest reported")
    check(not rep.get("job"), label + ": no job left hanging", "; ".join(rep.get("job", [])))


def expect_verified_mounts(out, rep, label, names):
    m, v = mounts(rep), verity(rep)
    for n in names:
        check(m.get(n, "").startswith("/dev/mapper/realmfs-%s " % n) and " ro," in " " + m.get(n, "").split(" ", 1)[-1] + ","
              and "nodev" in m.get(n, "") and "nosuid" in m.get(n, ""),
              label + ": /run/realmfs/%s mounted ro,nodev,nosuid from /dev/mapper/realmfs-%s" % (n, n), m.get(n, "(not mounted)"))
        f = v.get("realmfs-" + n, "").split()
        check(len(f) == 4 and f[0] == "verity" and f[2] == "sha256" and f[3] == signed_root(out, n),
              label + ": dm table of realmfs-%s is verity with the signed root hash" % n, v.get("realmfs-" + n, "(none)"))


SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def predict(out, cmdline, *args):
    """realmfsctl pcr-predict --json on the host, from the guest tree the
    disk was made of (its config, realms, images, os-release) under the
    guest's kernel command line and trust rules: the user public key in the
    kernel keyring (a session keyring: the test-hooks build of the source
    tree, which honours REALMBOOT_ROOT).  Returns the JSON, or None."""
    env = vmrun.load_env(out)
    ctl = os.path.join(SRC, "build/tool/realmfsctl")
    script = ('python3 -c "import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))" "$1" | '
              'keyctl padd user realmfs-user-public @s >/dev/null && shift && exec "$@"')
    p = subprocess.run(["keyctl", "session", "-", "sh", "-c", script, "sh", env["USER_PK"], ctl, "pcr-predict",
                        "--json", *args], capture_output=True, text=True,
                       env=dict(os.environ, REALMBOOT_ROOT=os.path.join(out, "rootfs"), REALMBOOT_CMDLINE=cmdline))
    try:
        return json.loads(p.stdout)
    except ValueError:
        print("# pcr-predict: %s %s" % (p.stdout.strip(), p.stderr.strip()[:300]))
        return None


def expect_measured(rep, label, prediction):
    """PCR 13 (sha256) as the guest's kernel shows it is the host's
    prediction; both banks are the guest's measurement log replayed."""
    p = vmrun.pcrs(rep)
    words, banks, digests_ok, mode = vmrun.replay_log(rep)
    check(prediction is not None and p.get("sha256") == prediction["sha256"],
          "%s: PCR 13 sha256 in the guest = realmfsctl pcr-predict on the host (%s)" % (label, p.get("sha256", "")[:16]),
          "%s vs %s" % (p, prediction))
    check(prediction is not None and words == prediction["words"],
          "%s: the guest's measurement log has the predicted words, in order" % label,
          "%s vs %s" % (words, prediction and prediction["words"]))
    check(set(banks) == {"sha1", "sha256"} and banks == {k: p.get(k) for k in banks} and digests_ok and mode == "600",
          "%s: both active banks (sha1, sha256) = the log replayed; every digest its word's; log complete (0600)" % label,
          "%s vs %s, mode %s" % (p, banks, mode))
    return p.get("sha256")


def expect_network_up(rep, label):
    """The control: in a normal boot ifupdown (eth0) and systemd-networkd
    (eth1) bring the NICs up with their addresses, and IP works."""
    up, addrs = vmrun.report_links(rep, "boot")
    check(up.get("eth0") == "UP" and "192.0.2.10/24" in addrs.get("eth0", []),
          label + ": eth0 UP with 192.0.2.10/24 (ifupdown, allow-hotplug)", "%s %s" % (up, addrs))
    check(up.get("eth1") == "UP" and "192.0.2.11/24" in addrs.get("eth1", []),
          label + ": eth1 UP with 192.0.2.11/24 (systemd-networkd)", "%s %s" % (up, addrs))
    check(one(rep, "ping-self").startswith("0 "), label + ": ping of its own address works", one(rep, "ping-self"))
    check(one(rep, "udp-self").startswith("0"), label + ": a UDP datagram to its own address is sent", one(rep, "udp-self"))
    check(one(rep, "netguard") != "active", label + ": no network guard", one(rep, "netguard"))


def expect_network_down(rep, label, stage="boot"):
    up, addrs = vmrun.report_links(rep, stage)
    check(set(up) >= {"eth0", "eth1"}, "%s: the guest has its NICs (%s)" % (label, " ".join(sorted(up))), str(up))
    check(up and all(v == "DOWN" for v in up.values()), "%s: no link but loopback UP" % label, str(up))
    check(not addrs, "%s: no address on any link but loopback" % label, str(addrs))


def expect_offline(rep, label):
    expect_network_down(rep, label)
    f = one(rep, "ping").split(" ", 2)
    check(len(f) == 3 and f[0] != "0" and int(f[1]) < 500, label + ": ping -c1 -W1 192.0.2.1 fails at once",
          one(rep, "ping"))
    check(one(rep, "netguard") == "active", label + ": realmboot-netguard.service active", one(rep, "netguard"))
    check("0.0.0.0/0" in one(rep, "ipfilter") and "::/0" in one(rep, "ipfilter") and "127.0.0.0/8" in one(rep, "ipfilter"),
          label + ": -.slice IPAddressDeny=any IPAddressAllow=localhost", one(rep, "ipfilter"))
    st = dict((l.split()[0], int(l.split()[2])) for l in rep.get("stamp", []) if len(l.split()) == 3)
    check(0 < st.get("netguard", 0) <= st.get("network-pre.target", 0),
          label + ": the guard was ready before network-pre.target (%s ms <= %s ms)" % (st.get("netguard"), st.get("network-pre.target")))
    check(bool(rep.get("rfkill")), label + ": rfkill state reported: " + "; ".join(rep.get("rfkill", [])))


# ---- scenarios ----

CITADEL_NBLOCKS = 2048
# header + data + superblock, 16 level-0 hash blocks and the root block
CITADEL_FULL_SIZE = 4096 * (1 + CITADEL_NBLOCKS) + 4096 * (1 + 16 + 1)


def expect_citadel(out, rep, label, first):
    """The image Citadel's builder wrote (no hash tree; channel citadel-os,
    whose key only os-release names) runs realm cit, which has no config of
    its own: its RealmFS and autostart come from the global /realms/config.
    first: this boot computed and appended the tree; else it used it."""
    u = units(rep)
    expect_verified_mounts(out, rep, label, ["citadel"])
    check(u.get("realm@cit.service") == "active",
          label + ": realm cit (no config: /realms/config's realmfs = \"citadel\", autostart) runs", u.get("realm@cit.service"))
    check(one(rep, "citadel-image") == "2 %d" % CITADEL_FULL_SIZE,
          label + ": citadel-realmfs.img has its tree appended and the hash-tree flag (%d bytes)" % CITADEL_FULL_SIZE,
          one(rep, "citadel-image"))
    check(one(rep, "citadel-verify") == "0", label + ": realmfsctl verify citadel (data and the appended tree)",
          one(rep, "citadel-verify"))
    added = one(rep, "citadel-tree-added")
    if first:
        check(added.isdigit() and "computed and appended in" in one(rep, "citadel-tree-line"),
              label + ": the first attach computed the tree (journal, MESSAGE_ID, TREE_USEC=%s)" % added,
              one(rep, "citadel-tree-line"))
    else:
        check(added == "", label + ": this boot used the stored tree (nothing computed)", one(rep, "citadel-tree-line"))


def scenario_pair(out):
    """1: key mode pair; every valid realm's RealmFS verified and mounted;
    the autostart realm running from it, the other one not.  Then a second
    boot on the same disk: the tree the first one appended to the image
    Citadel's builder wrote is used as it is."""
    overlay = os.path.join(out, "pair.qcow2")
    rep, text, t = run(out, "pair", "", keep=overlay)
    expect_citadel(out, rep, "pair", True)
    expect_settled(rep, "pair")
    expect_pair(rep, "pair")
    expect_verified_mounts(out, rep, "pair", ["base", "work-tools"])
    u = units(rep)
    check(u.get("realm@main.service") == "active", "pair: autostart realm main running from base", u.get("realm@main.service"))
    # names with a dash: the units are realm@work\x2ddev.service and
    # realmfs-verity@work\x2dtools.service; realmfsctl and nspawn get the names
    check(u.get(DEV) == "active",
          "pair: autostart realm work-dev running on work-tools (vendor key from citadel.channel=)", u.get(DEV))
    check(u.get("realmfs-verity@work\\x2dtools.service") == "active",
          "pair: realmfs-verity@work\\x2dtools.service attached work-tools", u.get("realmfs-verity@work\\x2dtools.service"))
    check("work-dev" in rep.get("machine", []), "pair: the container of realm work-dev is machine work-dev",
          str(rep.get("machine")))
    check("realm@dev.service" not in u or u["realm@dev.service"] == "inactive", "pair: non-autostart realm dev not started")
    expect_network_up(rep, "pair")
    n, line = (one(rep, "measure-notpm") + " ").split(" ", 1)
    check(n == "1" and "No TPM 2.0" in line and vmrun.pcrs(rep) == {} and one(rep, "realms-target") == "active",
          "pair: no TPM: realms.target reached, one journal line for the boot", one(rep, "measure-notpm"))
    rep, text, t = run(out, "pair-next", "vmtest.slowtree", backing=overlay)
    expect_settled(rep, "pair-next")
    expect_citadel(out, rep, "pair-next", False)
    # the first attach of a 256 MiB tree-less image under a 6 s start timeout
    ign = (one(rep, "slowtree-ignored") + " x x x").split()
    hee = (one(rep, "slowtree-heeded") + " x x x").split()
    if ign[0] == "success":
        check(True, "pair-next: slowtree: this machine hashes 256 MiB in %s s, under the 6 s timeout: the "
              "extension is not needed here (not judged)" % ign[1])
    else:
        check(ign[0] == "timeout" and ign[2] == "0",
              "pair-next: slowtree, progress reports ignored (NotifyAccess=none): killed at the 6 s timeout, "
              "the flag still clear", one(rep, "slowtree-ignored"))
        check(hee[0] == "success" and hee[2] == "2" and float(hee[1]) > 6 and one(rep, "slowtree-extend") == "1",
              "pair-next: slowtree, progress reports heeded (NotifyAccess=main): the attach took %s s, past the "
              "6 s timeout, and completed the image" % hee[1], one(rep, "slowtree-heeded"))
    os.unlink(overlay)


def scenario_tamper(out):
    """4: a flipped byte gives EIO and its realm does not start; unsigned and
    untrusted images are refused with a clear journal line; the boot reaches
    its target and the other realms are unaffected.  With a TPM: PCR 13 is
    the prediction (the tampered image is measured: its header is signed;
    the refused ones are not)."""
    rep, text, prediction = run_measured(out, "tamper", "tamper")
    u = units(rep)
    check(one(rep, "tampered-read").endswith("Input/output error"), "tamper: reading the flipped file gives EIO", one(rep, "tampered-read"))
    check(u.get("realm@tampered.service") != "active", "tamper: its realm does not run", u.get("realm@tampered.service"))
    for n, msg in (("unsigned", "image is not signed"), ("foreign", "signature does not verify with any trusted key")):
        check(u.get("realmfs-verity@%s.service" % n) == "failed" and n not in mounts(rep),
              "tamper: %s image refused, not mounted" % n, u.get("realmfs-verity@%s.service" % n))
        check(("%s-realmfs.img: %s" % (n, msg)) in text, "tamper: clear journal line for %s: %s" % (n, msg))
        check(u.get("realm@%s.service" % n) != "active", "tamper: realm %s not running" % n)
    check(one(rep, "realms-target") == "active", "tamper: realms.target reached anyway")
    check(u.get("realm@main.service") == "active" and u.get(DEV) == "active",
          "tamper: the other realms unaffected")


def scenario_wrong_then_right(out):
    """5: a wrong passphrase typed first, then the right one: the disk
    unlocks and the keys still load (the cache holds both; realmboot-unlock
    tries the newest first).  With a TPM: PCR 13 is the prediction."""
    env = vmrun.load_env(out)
    rep, text, prediction = run_measured(out, "wrong-then-right", "wrong-then-right",
                                passphrases=["not the passphrase", env["PASSPHRASE"]])
    check(text.count("lease enter passphrase") >= 2, "wrong-then-right: systemd-cryptsetup asked again after the wrong one")
    check("cached passphrase 1 (newest first)" in one(rep, "unlock"),
          "wrong-then-right: keyring unlocked with the newest cached passphrase", one(rep, "unlock")[:200])
    expect_pair(rep, "wrong-then-right")


def scenario_public(out, overlays):
    """2: key mode public from the command line: only the public key; images
    still verified and mounted.  Leaves the keyring moved away in its
    overlay for the missing-keyring boot."""
    rep, text, t = run(out, "public", "realmboot.key_mode=public vmtest.sign vmtest.prep=remove-keyring",
                       keep=overlays["missing"])
    expect_settled(rep, "public")
    expect_public_only(rep, "public")
    expect_verified_mounts(out, rep, "public", ["base", "work-tools"])
    check(units(rep).get("realm@main.service") == "active", "public: realm main running")
    check(one(rep, "prep") == "remove-keyring", "public: keyring moved away for the next boot")
    # key mode public in a normal boot: signing verbs refuse, pointing to safe mode
    check(one(rep, "sign-fork").startswith("1 ") and "only loaded in safe mode" in one(rep, "sign-fork"),
          "public: realmfsctl fork refuses: the secret key is only loaded in safe mode", one(rep, "sign-fork"))
    check(not one(rep, "sign-sign").startswith("0 "), "public: realmfsctl sign refuses too", one(rep, "sign-sign"))


def expect_safe_mode(rep, label):
    expect_settled(rep, label)
    expect_pair(rep, label)
    check(one(rep, "safe-mode-target") == "active", label + ": realmboot-safe-mode.target reached", one(rep, "safe-mode-target"))
    check(one(rep, "default-target") == "realmboot-safe-mode.target", label + ": default.target is the safe-mode target",
          one(rep, "default-target"))
    u = units(rep)
    check(not any(s == "active" for n, s in u.items() if n.startswith("realm@")), label + ": no realm unit active", str(u))
    check(not mounts(rep) and not verity(rep), label + ": no RealmFS mounted or activated", str(mounts(rep)))
    for line in rep.get("net", []):
        f = line.split()
        check(f[1] != "active", "%s: %s not running" % (label, f[0]), line)
    nd = [l for l in rep.get("net", []) if l.startswith("systemd-networkd.service")]
    check(nd and nd[0].split()[-1].startswith("masked"), label + ": systemd-networkd masked", str(nd))
    expect_offline(rep, label)


def scenario_safe_initrd_net(out):
    """Safe mode with the network already up in the initrd (ip=, an initrd
    with systemd-networkd): realmboot-unlock loads the public key only and
    says why in one journal line; the guard then takes the link down."""
    env = vmrun.load_env(out)
    rep, text, t = run(out, "safe-initrd-net", "realmboot.safe_mode ip=192.0.2.20:::::eth0:none rd.neednet=1",
                       initrd=env["INITRD_NET"])
    expect_settled(rep, "safe initrd-net")
    check(one(rep, "safe-mode-target") == "active", "safe initrd-net: realmboot-safe-mode.target reached")
    expect_public_only(rep, "safe initrd-net")
    check("Safe mode, but network interface eth0 is up" in one(rep, "online-line"),
          "safe initrd-net: the journal line (MESSAGE_ID) names the interface", one(rep, "online-line"))
    expect_network_down(rep, "safe initrd-net")


def scenario_safe(out):
    """3: safe mode from the kernel command line, key mode public; then a
    NIC hot-plugged through the QEMU monitor once the boot settled
    (ifupdown has allow-hotplug eth2): it stays down, and when brought up
    by hand it goes down again; then the IP filter alone (the guard paused,
    a link brought up by hand), then `systemctl isolate multi-user.target`
    (no way out of safe mode but a reboot)."""
    env = vmrun.load_env(out)
    work = tempfile.mkdtemp(prefix="realmboot-vm-tpm-")
    added = []

    def plug(monitor):
        added.append(vmrun.hmp(monitor, "device_add virtio-net-pci,netdev=n2,id=hot0,mac=52:54:00:12:34:12"))

    try:
        extra = "realmboot.safe_mode realmboot.key_mode=public vmtest.sign vmtest.hotplug vmtest.layer2 vmtest.isolate"
        rep, text, t = run(out, "safe", extra, tpm=vmrun.tpm_state(work), on_line={"@@R hotplug-ready": plug})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    expect_safe_mode(rep, "safe")
    check(bool(added) and "Error" not in added[0], "safe: hotplug: device_add through the QEMU monitor", str(added))
    check(one(rep, "hotplug-seen") == "eth2", "safe: hotplug: the guest saw eth2 appear", one(rep, "hotplug-seen"))
    expect_network_down(rep, "safe: after the hot-plug", "hotplug")
    check(one(rep, "hotplug-forced") == "DOWN", "safe: hotplug: eth2 brought up by hand goes down again",
          one(rep, "hotplug-forced"))
    # measured: realmboot:safe-mode, before the key pair was loaded
    expect_measured(rep, "safe", predict(out, "%s realmboot.channel=vendor:%s %s" % (vmrun.base_cmdline(env),
                                                                                 env["VENDOR_PK"], extra), "--safe-mode"))
    check(one(rep, "measure-order").split() == ["realmboot:safe-mode", "loaded-keys"],
          "safe: realmboot:safe-mode extended in the initrd before the key pair was loaded", one(rep, "measure-order"))
    # the key the boot loaded seals, without a keyring file or a passphrase
    check(one(rep, "sign-fork").startswith("0 "), "safe: realmfsctl fork base vm-fork with the kernel's key", one(rep, "sign-fork"))
    check(one(rep, "sign-sign").startswith("0 "), "safe: realmfsctl sign with the kernel's key", one(rep, "sign-sign"))
    try:
        rows = {r["name"]: r for r in json.loads(one(rep, "sign-list", "[]"))}
    except ValueError:
        rows = {}
    check(rows.get("vm-fork", {}).get("trusted") is True and rows["vm-fork"].get("signer") == "user" and
          rows["vm-fork"].get("version") == 2, "safe: realmfsctl list: vm-fork trusted (signer user), version 2",
          str(rows.get("vm-fork")))
    check(rows.get("base", {}).get("realms") == ["dev", "main"] and rows.get("unsigned", {}).get("trusted") is False,
          "safe: realmfsctl list: base used by dev and main, unsigned untrusted", str(rows.get("base")))
    check(one(rep, "layer2-link") == "UP", "safe: layer 2 alone: eth0 forced UP with the guard paused", one(rep, "layer2-link"))
    # the same two sends work in a normal boot (pair: ping-self, udp-self)
    check(not one(rep, "layer2-ping").startswith("0 "),
          "safe: layer 2 alone: ping of that link's own address gets no answer", one(rep, "layer2-ping"))
    check(not one(rep, "layer2-udp").startswith("0") and "Operation not permitted" in one(rep, "layer2-udp"),
          "safe: layer 2 alone: a UDP datagram to it is refused by the IP filter (EPERM)", one(rep, "layer2-udp"))
    check(one(rep, "layer2-after").strip() == "DOWN", "safe: the guard, resumed, takes eth0 down and its address away",
          one(rep, "layer2-after"))
    check(one(rep, "isolate-rc") == "0", "safe: systemctl isolate multi-user.target ran", one(rep, "isolate-rc"))
    check(one(rep, "isolate-netguard") == "active", "safe: after isolate the guard still runs", one(rep, "isolate-netguard"))
    check(one(rep, "isolate-start-networking") != "0", "safe: after isolate networking.service cannot start (masked)")
    expect_network_down(rep, "safe: after isolate", "isolate")


def safe_mode_entry(out, work):
    """8: the safe-mode boot entry: kernel-install, with the plugin installed
    in the guest tree, writes the entries of the test kernel into a
    temporary $BOOT under WORK (the normal options: the test command line,
    key mode public).  Returns the safe-mode entry (its linux, initrd and
    options), or None."""
    env = vmrun.load_env(out)
    plugin = os.path.join(out, "dest/usr/lib/kernel/install.d/90-realmboot-safe-mode.install")
    if not check(os.access(plugin, os.X_OK), "boot entry: the plugin is installed", plugin):
        return None
    conf, boot = os.path.join(work, "conf"), os.path.join(work, "boot")
    os.makedirs(conf)
    os.makedirs(os.path.join(boot, "loader/entries"))
    with open(os.path.join(conf, "install.conf"), "w") as f:
        f.write("layout=bls\n")
    with open(os.path.join(conf, "cmdline"), "w") as f:
        f.write("%s realmboot.channel=vendor:%s realmboot.key_mode=public\n" % (vmrun.base_cmdline(env), env["VENDOR_PK"]))
    kver = "realmboot-vm"
    p = subprocess.run(["kernel-install", "add", kver, env["KERNEL"], env["INITRD"]], capture_output=True, text=True,
                       env=dict(os.environ, KERNEL_INSTALL_CONF_ROOT=conf, BOOT_ROOT=boot,
                                MACHINE_ID="0123456789abcdef0123456789abcdef", KERNEL_INSTALL_PLUGINS=" ".join(
                                    ["/usr/lib/kernel/install.d/90-loaderentry.install", plugin])))
    path = os.path.join(boot, "loader/entries/0123456789abcdef0123456789abcdef-%s-safe-mode.conf" % kver)
    if not check(p.returncode == 0 and os.path.exists(path), "boot entry: kernel-install wrote the safe-mode entry",
                 p.stderr.strip()):
        return None
    entry = {}
    for line in open(path):
        k, _, v = line.strip().partition(" ")
        entry[k] = v.strip()
    if not check(entry.get("options", "").endswith(" realmboot.safe_mode") and "key_mode=public" in entry["options"],
                 "boot entry: options are the normal ones plus realmboot.safe_mode", entry.get("options")):
        return None
    # the paths are relative to the file system $BOOT is on
    top = subprocess.run(["stat", "-c", "%m", boot], capture_output=True, text=True).stdout.strip() or "/"
    for k in ("linux", "initrd"):
        if entry.get(k):
            entry[k] = os.path.join(top, entry[k].lstrip("/"))
    return entry


def scenario_missing_keyring(out, overlays):
    """6: no keyring file, then a truncated one: the boot completes, no keys,
    a clear message; realms on channel-signed images are unaffected."""
    if not os.path.exists(overlays["missing"]):
        scenario_public(out, overlays)
    rep, text, t = run(out, "missing-keyring", "vmtest.prep=corrupt-keyring", backing=overlays["missing"],
                       keep=overlays["corrupt"])
    expect_settled(rep, "missing keyring")
    expect_no_keys(rep, "missing keyring")
    check(one(rep, "unlock").startswith("3 ") and "no user keyring" in one(rep, "unlock"),
          "missing keyring: realmboot-unlock exit 3 with a clear message", one(rep, "unlock")[:200])
    u = units(rep)
    check(u.get("realmfs-verity@base.service") == "failed", "missing keyring: user-signed image refused without the user key")
    check(u.get(DEV) == "active", "missing keyring: vendor-channel realm unaffected")
    rep, text, t = run(out, "corrupt-keyring", "", backing=overlays["corrupt"])
    expect_settled(rep, "corrupt keyring")
    expect_no_keys(rep, "corrupt keyring")
    check(one(rep, "unlock").startswith("4 ") and "unusable keyring" in one(rep, "unlock"),
          "corrupt keyring: realmboot-unlock exit 4 with a clear message", one(rep, "unlock")[:200])


def scenario_noverity(out):
    rep, text, t = run(out, "noverity", "realmboot.noverity citadel.nosignatures")
    expect_settled(rep, "noverity")
    m = mounts(rep)
    check(m.get("base", "").startswith("/dev/loop") and not verity(rep),
          "noverity: base mounted from a loop device, no dm-verity", m.get("base", "(not mounted)"))
    check("WITHOUT dm-verity" in text, "noverity: loud warning on the console/journal")
    check(units(rep).get("realm@main.service") == "active", "noverity: realm main running")


def scenario_update(out):
    """The sealing workflow: a safe-mode boot, from the boot entry that
    kernel-install wrote (key mode public, so the seed is only there; see
    safe_mode_entry()), updates base in a container and seals it with the key the
    boot loaded; the next normal boot on the same disk runs realm main on
    the new version.  There, work-tools (its realm stopped) is updated while
    main keeps running, and the realm started again sees the new content
    without a reboot; an update of base, in use, names the realms still on
    the old version."""
    overlay = os.path.join(out, "update.qcow2")
    env = vmrun.load_env(out)
    work = tempfile.mkdtemp(prefix="realmboot-vm-tpm-")
    entry = safe_mode_entry(out, work)
    if not entry:
        shutil.rmtree(work, ignore_errors=True)
        return
    tpm = vmrun.tpm_state(work)
    # the user picks the safe-mode entry in the boot menu (its linux,
    # initrd and options, as kernel-install wrote them)
    rep, text, t = run(out, "update-safe", "", kernel=entry.get("linux"), initrd=entry.get("initrd"),
                       cmdline=entry["options"] + " vmtest.update", keep=overlay, tpm=tpm)
    expect_safe_mode(rep, "update (safe mode, the boot entry)")
    check(one(rep, "update-rc").startswith("0 ") and "version 2 sealed and saved" in one(rep, "update-rc"),
          "update: realmfsctl update base --commit in safe mode sealed version 2", one(rep, "update-rc"))
    try:
        meta = json.loads(one(rep, "update-meta", "{}"))["metainfo"]
    except (ValueError, KeyError):
        meta = {}
    check(meta.get("version") == 2 and meta.get("channel") == "realmfs-user",
          "update: base-realmfs.img is version 2, channel realmfs-user", str(meta)[:200])
    rep2, text2, t2 = run(out, "update-next", "vmtest.update-next", backing=overlay, tpm=tpm)
    shutil.rmtree(work, ignore_errors=True)
    try:
        os.unlink(overlay)
    except OSError:
        pass
    expect_settled(rep2, "update (next boot)")
    u = units(rep2)
    check(u.get("realm@main.service") == "active", "update: next normal boot: realm main running", u.get("realm@main.service"))
    v = verity(rep2)
    check(meta.get("verity-root") and meta["verity-root"] in v.get("realmfs-base", ""),
          "update: the dm-verity table of base has the new signed root", "%s vs %s" % (v.get("realmfs-base"), meta.get("verity-root")))
    check(one(rep2, "next-file") == "updated", "update: the command's file /etc/update-test is in realm main's RealmFS",
          one(rep2, "next-file"))
    try:
        rows = {r["name"]: r for r in json.loads(one(rep2, "next-list", "[]"))}
    except ValueError:
        rows = {}
    check(rows.get("base", {}).get("version") == 2 and rows["base"].get("signer") == "user" and rows["base"].get("attached"),
          "update: realmfsctl list: base version 2, signed by the user key, attached", str(rows.get("base")))
    # live re-attach
    check(one(rep2, "live-detached") == "detached", "update: realm work-dev stopped: work-tools detached (StopWhenUnneeded)",
          one(rep2, "live-detached"))
    check(one(rep2, "live-update").startswith("0 ") and "no realm runs on version 1" in one(rep2, "live-update"),
          "update: work-tools updated while realm main runs", one(rep2, "live-update"))
    check(one(rep2, "live-file") == "live", "update: realm work-dev started again sees the new content, no reboot",
          one(rep2, "live-file"))
    try:
        live_meta = json.loads(one(rep2, "live-meta", "{}"))["metainfo"]
    except (ValueError, KeyError):
        live_meta = {}
    check(live_meta.get("verity-root") and one(rep2, "live-verity") == live_meta["verity-root"],
          "update: realmfs-work-tools re-attached with the new signed root", one(rep2, "live-verity"))
    # measured: base with its new root at boot; work-tools appended when it
    # was attached again after its update (its new root, now the user's key)
    words = vmrun.replay_log(rep2)[0]
    check(meta.get("verity-root") and "verity:realmfs-base:%s:%s" % (meta["verity-root"], env["USER_PK"]) in words,
          "update: the next boot measured base with the root sealed in safe mode", str(words))
    words_end, banks_end, ok_end, mode_end = vmrun.replay_log(rep2, "measure-log-end")
    want_last = "verity:realmfs-work-tools:%s:%s" % (live_meta.get("verity-root"), env["USER_PK"])
    check(words_end[:len(words)] == words and words_end and words_end[-1] == want_last and
          banks_end == vmrun.pcrs(rep2, "pcr-end") and ok_end,
          "update: work-tools attached again after its update is appended with its new root; PCR = the log replayed",
          "%s vs %s" % (words_end[len(words):], want_last))
    check(one(rep2, "live-main").startswith("active 0 "), "update: realm main kept running meanwhile (never restarted)",
          one(rep2, "live-main"))
    busy = one(rep2, "busy-update")
    check(busy.startswith("0 ") and "still running on version 2: main" in busy,
          "update: updating base in use names realm main, still on version 2", busy)


def normal_prediction(out):
    """pcr-predict on the host for a normal boot of run()'s command line."""
    env = vmrun.load_env(out)
    return predict(out, "%s realmboot.channel=vendor:%s" % (vmrun.base_cmdline(env), env["VENDOR_PK"]))


def run_measured(out, name, label, **kw):
    """run() a normal boot with a software TPM of its own (sha1 and sha256
    banks), and check its PCR 13 against the host's prediction: every
    such boot (measure, tamper, wrong-then-right) is one more sample of
    "the same images give the same value, whatever order their units
    finish in".  Returns the report, the console text and the prediction."""
    work = tempfile.mkdtemp(prefix="realmboot-vm-tpm-")
    try:
        rep, text, t = run(out, name, "", tpm=vmrun.tpm_state(work), **kw)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    expect_settled(rep, label)
    prediction = normal_prediction(out)
    measured_values[name] = expect_measured(rep, label, prediction)
    return rep, text, prediction


def scenario_measure(out):
    """[L]: a normal boot with a software TPM (sha1 and sha256 banks): PCR
    13 is what the host predicts from the same images (the boot's RealmFS
    are measured in name order, whatever order their units finish in; the
    tamper and wrong-then-right boots check the same value again);
    refused images are not measured; every extension is in the journal
    and in systemd's measurement log."""
    env = vmrun.load_env(out)
    rep, text, prediction = run_measured(out, "measure", "measure")
    pk = {"base": env["USER_PK"], "tampered": env["USER_PK"], "work-tools": env["VENDOR_PK"], "citadel": env["OS_PK"]}
    want = ["realmboot:normal"] + ["verity:realmfs-%s:%s:%s" % (n, signed_root(out, n), pk[n]) for n in sorted(pk)]
    check(prediction and prediction["words"] == want,
          "measure: the prediction is realmboot:normal, then base, citadel, tampered, work-tools in name "
          "order, each word verity:realmfs-NAME:SIGNED-ROOT:SIGNER-KEY", str(prediction))
    words = vmrun.replay_log(rep)[0]
    check(not any(":realmfs-%s:" % n in w for w in words for n in ("unsigned", "foreign", "forged")),
          "measure: the refused images (unsigned, foreign key, forged header) are not measured", str(words))
    check(one(rep, "measure-lines") == str(len(want)), "measure: one journal line per extension (MESSAGE_ID)",
          one(rep, "measure-lines"))
    f = one(rep, "measure-fields")
    check("NAME=base" in f and "PCR=13" in f and "WORD=verity:realmfs-base:" in f and "DIGEST_SHA256=" in f,
          "measure: the journal line has NAME, PCR, WORD and the digests", f)
    try:
        rows = {r["name"]: r for r in json.loads(one(rep, "measure-list", "[]"))}
    except ValueError:
        rows = {}
    check(all(rows.get(n, {}).get("measured") is True for n in ("base", "work-tools", "citadel")) and
          all(rows.get(n, {}).get("measured") is False for n in ("unsigned", "foreign", "forged", "slowtree")),
          "measure: realmfsctl list --json: measured true for the attached images, false for the others",
          str({n: (r.get("attached"), r.get("measured")) for n, r in rows.items()}))
    check(one(rep, "measure-notpm").startswith("0") and not one(rep, "measure-failed"),
          "measure: no \"No TPM\" line, no failed measurement", one(rep, "measure-notpm") + one(rep, "measure-failed"))


timings = {}
measured_values = {}  # normal boots with a TPM: name -> PCR 13 (sha256)


def run(out, name, extra, **kw):
    log = os.path.join(out, "console-%s.log" % name)
    env = vmrun.load_env(out)
    # the vendor channel is trusted through the kernel command line (the
    # citadel.channel alias in the first boot), not the config
    alias = "citadel.channel" if name == "pair" else "realmboot.channel"
    if "cmdline" not in kw:
        extra = ("%s=vendor:%s %s" % (alias, env["VENDOR_PK"], extra)).strip()
    rep, text, t = vmrun.boot(out, extra, log_path=log, **kw)
    timings[name] = {"boot_s": round(t), "units_ms": dict(l.rsplit(" ", 1) for l in rep.get("time", []))}
    print("# boot %s: %.0f s; our units: %s" % (name, t, ", ".join(rep.get("time", [])) or "-"))
    if one(rep, "done") != "1":
        print("# console tail (%s):" % log)
        for line in text.splitlines()[-40:]:
            print("#   " + line)
    return rep, text, t


def main():
    out = os.path.abspath(sys.argv[1])
    overlays = {"missing": os.path.join(out, "missing.qcow2"), "corrupt": os.path.join(out, "corrupt.qcow2")}
    # every scenario, in the order of a full run
    scenarios = {
        "pair": lambda: scenario_pair(out),
        "public": lambda: scenario_public(out, overlays),
        "safe": lambda: scenario_safe(out),
        "tamper": lambda: scenario_tamper(out),
        "wrong-then-right": lambda: scenario_wrong_then_right(out),
        "missing-keyring": lambda: scenario_missing_keyring(out, overlays),
        "noverity": lambda: scenario_noverity(out),
        "safe-initrd-net": lambda: scenario_safe_initrd_net(out),
        "update": lambda: scenario_update(out),
        "measure": lambda: scenario_measure(out),
    }
    chosen = sys.argv[2:] or list(scenarios)
    start = time.time()
    for s in chosen:
        before = n_fail
        run_scenario = scenarios.get(s)
        if run_scenario:
            run_scenario()
        else:
            check(False, "unknown scenario " + s)
        if n_fail > before:
            for log in sorted(f for f in os.listdir(out) if f.startswith("console-")):
                print("# console tail of %s:" % log)
                for line in open(os.path.join(out, log), errors="replace").read().splitlines()[-25:]:
                    print("#   " + line)
    for f in overlays.values():
        if os.path.exists(f):
            os.unlink(f)
    values = list(measured_values.values())
    if len(values) > 1:
        check(values[0] and values.count(values[0]) == len(values),
              "%d normal boots with a TPM (%s): one PCR 13 value (%s)" % (len(values), ", ".join(measured_values),
                                                                         (values[0] or "")[:16]), str(measured_values))
    with open(os.path.join(out, "timings.json"), "w") as f:
        json.dump(timings, f, indent=1)
    print("# VM suite: %.0f s" % (time.time() - start))
    print("%d passed, %d failed" % (n_ok, n_fail))
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
