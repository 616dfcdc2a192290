// Start-up with a big node_modules dependency: lodash-es is about 640 ES modules, none of them
// hot (hotload leaves node_modules alone), but every one goes through the module hooks.
import * as _ from "lodash-es";

const ready = performance.timeOrigin + performance.now();
const cpu = process.cpuUsage();
console.log(`@@ready ${ready} ${Object.keys(_).length} ${cpu.user + cpu.system}`);
setInterval(() => {}, 1 << 30);
