/** The app module host.ts serves: an alias the bundler resolves (workerd.ts, `bundleWorker`). */
declare module 'tsgi-workers:app' {
  import type { Application } from '@tsgi/protocol'

  const app: Application
  export default app
}
