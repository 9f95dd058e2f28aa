#!/bin/sh
# gpuqueue job wrapper: runs one attempt of a job and records how it ended, outside the server.
#   job-wrapper.sh PID_FILE EXIT_FILE COMMAND [ARG...]
# It is the leader of the job's process group (started under setsid). It writes its own pid first,
# so a restarted server can find the attempt even if it died before recording the pid; then it runs
# the command and writes its exit status atomically when it ends. SIGTERM/SIGINT do not stop the
# wrapper (the server signals the whole group, so the command gets them once, directly): the wrapper
# keeps waiting, to record how the command ended.
pid_file=$1
exit_file=$2
shift 2
printf '%s\n' "$$" > "$pid_file"
"$@" &
child=$!
trap ':' TERM INT
while :; do
    wait "$child"
    code=$?
    kill -0 "$child" 2>/dev/null || break
done
printf '%s\n' "$code" > "$exit_file.tmp" && mv -f "$exit_file.tmp" "$exit_file"
exit "$code"
