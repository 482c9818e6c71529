#!/bin/sh
# tests/services/cups.sh start|stop STATE_DIR: the CUPS the printing tests
# use. start: runs cupsd (Debian's, as a foreground process of our own, since
# service scripts may not start daemons here) unless one answers already,
# then creates the test queues:
#   TUNGGAL_PDF          cups-pdf (prints into cups-pdf's Out folder)
#   TUNGGAL_FAIL         a backend that fails every job (job aborted)
#   TUNGGAL_CANCEL       a backend that cancels every job
#   TUNGGAL_NOMEDIA      a backend that reports media-empty and stops
#   TUNGGAL_OFFLINE      a backend that reports offline and stops
#   TUNGGAL_STOPPED      cups-pdf, disabled (stopped)
# stop: removes the queues and the test backend, and stops cupsd if start
# started it. Prints "cups: unavailable" and exits 0 when cupsd is not
# installed, so that tests can say why they did not run.
set -eu
cmd="$1"
state="$2"
mkdir -p "$state"
backend_dir=/usr/lib/cups/backend
here="$(cd "$(dirname "$0")" && pwd)"
queues="TUNGGAL_PDF TUNGGAL_FAIL TUNGGAL_CANCEL TUNGGAL_NOMEDIA TUNGGAL_OFFLINE TUNGGAL_STOPPED"
case "$cmd" in
  start)
    if [ ! -x /usr/sbin/cupsd ] || ! command -v lpadmin >/dev/null; then
      echo "cups: unavailable (install cups and printer-driver-cups-pdf)"
      exit 0
    fi
    if ! lpstat -r 2>/dev/null | grep -q "is running"; then
      setsid /usr/sbin/cupsd -f > "$state/cupsd.log" 2>&1 < /dev/null &
      echo $! > "$state/cupsd.pid"
      i=0
      until lpstat -r 2>/dev/null | grep -q "is running"; do
        i=$((i + 1))
        if [ $i -gt 100 ]; then echo "cups: cupsd did not start" >&2; cat "$state/cupsd.log" >&2; exit 1; fi
        sleep 0.1
      done
    fi
    install -m 0700 "$here/tunggaltest-backend" "$backend_dir/tunggaltest"
    ppd=lsb/usr/cups-pdf/CUPS-PDF_opt.ppd
    # poppler's pdftops keeps the text as text through cups-pdf (ghostscript,
    # the default renderer, turns it into outlines).
    lpadmin -p TUNGGAL_PDF -E -v cups-pdf:/ -m "$ppd" -o pdftops-renderer-default=pdftops 2>/dev/null
    lpadmin -p TUNGGAL_STOPPED -E -v cups-pdf:/ -m "$ppd" 2>/dev/null
    cupsdisable TUNGGAL_STOPPED
    for q in FAIL CANCEL NOMEDIA OFFLINE; do
      case $q in FAIL) p=fail ;; CANCEL) p=cancel ;; NOMEDIA) p=media-empty ;; OFFLINE) p=offline ;; esac
      lpadmin -p TUNGGAL_$q -E -v "tunggaltest:/$p" -m "$ppd" -o printer-error-policy=abort-job 2>/dev/null
    done
    # Stop-on-error queues: the media and offline faults stop the printer.
    lpadmin -p TUNGGAL_NOMEDIA -o printer-error-policy=stop-printer
    lpadmin -p TUNGGAL_OFFLINE -o printer-error-policy=stop-printer
    echo "cups: running; queues $queues"
    ;;
  stop)
    for q in $queues; do lpadmin -x "$q" 2>/dev/null || true; done
    rm -f "$backend_dir/tunggaltest"
    if [ -f "$state/cupsd.pid" ]; then
      kill "$(cat "$state/cupsd.pid")" 2>/dev/null || true
      rm -f "$state/cupsd.pid"
    fi
    echo "cups: stopped"
    ;;
esac
