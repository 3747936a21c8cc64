import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in the test's process, between a worker and Redis or Postgres, that the test can
 * cut (every open connection is reset, and new ones are dropped as soon as they arrive — the
 * worker sees the server as unreachable) and restore. No proxy binary can be fetched here.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private cutNow = false;
  /** Connections refused while cut. */
  refused = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    let self: TcpProxy | undefined;
    const server = createServer((client) => self!.accept(client, target));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    self = new TcpProxy(server, (server.address() as { port: number }).port);
    return self;
  }

  /** `url` with its host and port replaced by the proxy's. */
  route(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  get isCut(): boolean {
    return this.cutNow;
  }

  /** Resets every connection through the proxy and drops new ones until `restore`. */
  cut(): void {
    this.cutNow = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.cutNow = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    if (this.cutNow) {
      this.refused++;
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
