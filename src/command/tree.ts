/**
 * A program's whole process tree: the program and every process it started, so that a restart or
 * the command's exit leaves none of its helpers behind holding ports.
 *
 * A detached child (a process-group leader) would lose the terminal. So the tree is read from the
 * process table instead: /proc on Linux, `ps` elsewhere. It is read once, before any signal, so a
 * helper re-parented to init when its parent dies is still reached.
 */
import { readdirSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";

/** The pids below `root` (children, grandchildren...), parents before their children. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of processTable()) {
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [root];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of children.get(next) ?? []) {
      if (out.includes(child) || child === root) continue;
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** [pid, parent pid] of every process we can see. */
function processTable(): Array<[number, number]> {
  if (process.platform === "linux") {
    const out: Array<[number, number]> = [];
    let names: string[];
    try {
      names = readdirSync("/proc");
    } catch {
      return psTable();
    }
    for (const name of names) {
      if (!/^\d+$/.test(name)) continue;
      try {
        // The command name (2nd field) may hold spaces and parentheses: parse after the last ')'.
        const stat = readFileSync(`/proc/${name}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        out.push([Number(name), Number(fields[1])]);
      } catch {
        // The process exited while we read.
      }
    }
    return out;
  }
  return psTable();
}

function psTable(): Array<[number, number]> {
  const result = spawnSync("ps", ["-A", "-o", "pid=,ppid="], { encoding: "utf8" });
  if (result.status !== 0 || typeof result.stdout !== "string") return [];
  return result.stdout
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter((pair): pair is [number, number] => pair.length === 2 && pair.every(Number.isInteger))
    .map(([pid, ppid]) => [pid, ppid]);
}
