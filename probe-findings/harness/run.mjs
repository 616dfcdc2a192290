// Usage: node run.mjs <cases.mjs> [name,name|all] [node major ...]
import path from "node:path";
import { runCase } from "./probe.mjs";
const [casesFile, which = "all", ...majors] = process.argv.slice(2);
const { CASES } = await import(path.resolve(casesFile));
const list = which === "all" ? CASES : CASES.filter((c) => which.split(",").includes(c.name));
for (const major of majors.length ? majors : ["24"]) {
  for (const c of list) {
    let r;
    try {
      r = await runCase(c, major);
    } catch (e) {
      console.log(`${c.name} node${major}: ERROR ${e.stack}`);
      continue;
    }
    console.log(`${r.same ? "SAME   " : "DIFFERS"} ${c.name} node${major} ${r.diffs.join(",")}`);
    if (!r.same || process.env.PROBER_VERBOSE) {
      for (const m of ["inplace", "restart"]) {
        const x = r[m];
        console.log(`  ${m}: obs=${JSON.stringify(x.obs)}`);
        console.log(`  ${m}: exit=${JSON.stringify(x.exit)} stdout=${JSON.stringify(x.stdout).slice(0, 600)}`);
        if (m === "inplace") console.log(`  hotload: ${JSON.stringify(x.hotload).slice(0, 1200)}`);
        const other = x.stderr.filter((l) => !l.includes("[hotload]"));
        if (other.length) console.log(`  ${m} stderr: ${JSON.stringify(other).slice(0, 800)}`);
      }
    }
  }
}
