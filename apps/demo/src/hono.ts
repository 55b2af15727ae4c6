/**
 * A hono sub-app mounted at `/hono` through `fromFetch` (@tsgi/adapters): a team moving a hono
 * app onto tsgi one route at a time. The mount sets `scope.rootPath`, but a fetch handler gets
 * the full URL, so the hono app's `basePath` is the mount path.
 *
 * @module
 */
import { Hono } from 'hono'

/** Where the demo mounts the hono app. */
export const HONO_MOUNT = '/hono'

/** The hono app: `GET /hono/hello[?name=]`, `GET /hono/hello/:name`; hono's own 404 below the mount. */
export function honoApp(): Hono {
  const hono = new Hono().basePath(HONO_MOUNT)
  hono.get('/hello', (c) => c.json({ hello: c.req.query('name') ?? 'world', from: 'hono' }))
  hono.get('/hello/:name', (c) => c.text(`hello ${c.req.param('name')} from hono\n`))
  return hono
}
