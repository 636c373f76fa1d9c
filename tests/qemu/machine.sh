#!/bin/sh
# In a VM of tests/qemu/machines.sh: machine mI on the underlay (eth0,
# 198.51.100.I), its sshd up, then
#   machine.sh I serve   wait until the controller powers it off
#   machine.sh I test    the controller: tests/machines/cases.sh against
#                        m1 (this VM), m2 and m3, then power them off
i=$1 mode=$2
hostname "m$i"
ip link set eth0 up && ip addr add "198.51.100.$i/24" dev eth0 || exit 1
mkdir -p /run/sshd /run/nsrun-test && chmod 0755 /run/sshd
ln -s /usr/local/bin/nsrun /run/nsrun-test/nsrun
echo /usr/local/bin/nsrun >/run/nsrun-test/real
/usr/local/bin/sshd -f /etc/ssh/sshd_config -E /run/sshd.log || { cat /run/sshd.log; exit 1; }
if [ "$mode" = serve ]; then
  echo "machine m$i: sshd up"
  exec sleep 100000
fi
for m in 1 2 3; do
  n=0
  until ssh -o ConnectTimeout=2 "m$m" true 2>/dev/null; do
    n=$((n + 1))
    [ $n -lt 120 ] || { echo "machine m$m does not answer ssh"; exit 1; }
    sleep 1
  done
done
echo "machines m1 m2 m3: sshd up"
cd / && NSRUN_TEST_ISOLATED=1 NSRUN=/usr/local/bin/nsrun bash /tests/qemu/machines-vm.sh
status=$?
for m in 2 3; do ssh -o ConnectTimeout=2 "m$m" poweroff -f 2>/dev/null; done
exit $status
