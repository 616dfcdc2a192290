// routes.mjs: edit and save while the server runs
export function home(req, res) {
  res.send("hello v0");
}
// pad:
