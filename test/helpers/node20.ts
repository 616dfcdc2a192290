/** Finding an unsupported Node (20) on this machine, for the tests that hotload refuses it. */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** A Node 20 binary on this machine (unsupported by hotload), if there is one. */
export function findNode20(): string | undefined {
  const candidates = ["/usr/bin/node", "/usr/local/bin/node", "/bin/node"];
  try {
    candidates.push(...execFileSync("which", ["-a", "node"], { encoding: "utf8" }).split("\n").filter(Boolean));
  } catch {
    // `which` found nothing: the fixed candidates remain.
  }
  return candidates.find((node) => {
    if (!existsSync(node)) return false;
    const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout ?? "";
    return version.startsWith("v20.");
  });
}

/** Why a test that needs Node 20 is skipped. */
export const NO_NODE20 = "no Node 20 binary on this machine (looked at /usr/bin, /usr/local/bin, /bin and PATH)";
