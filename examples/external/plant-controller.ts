/**
 * A stand-in for the plant controller of the competition (a SCADA master), to try the external
 * checks of this folder on loopback: `node examples/external/plant-controller.ts [PORT]` serves,
 * on 127.0.0.1:PORT (default 8000), the state of every team's plant in one document:
 *
 *     GET /plants -> { "1": { "state": "running" },
 *                      "2": { "state": "tripped", "alarms": ["PT-101 pressure high", ...] } }
 *
 * A team the controller does not list has no plant online. Edit `PLANTS` to change the states.
 */
import { createServer } from 'node:http'

const PLANTS = {
  1: { state: 'running' },
  2: { state: 'tripped', alarms: ['PT-101 pressure high', 'breaker 52-1 open'] },
}

const port = Number(process.argv[2] ?? 8000)
const server = createServer((req, res) => {
  const found = req.url === '/plants'
  res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' })
  res.end(found ? JSON.stringify(PLANTS) : '{"error":"not found"}')
})
server.listen(port, '127.0.0.1', () => {
  const address = server.address()
  const bound = typeof address === 'object' && address ? address.port : port
  console.log(`plant controller on http://127.0.0.1:${bound}/plants`)
})
