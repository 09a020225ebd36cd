// Starts a real incidentd for a test: the binary of `swift build --product incidentd` (INCIDENTD_BIN, or the debug
// build of this checkout), on a free loopback port, with the built-in demo users (alice/alicepw admin, bob/bobpw,
// carol/carolpw, lin/linpw). `store: 'postgres'` uses TEST_DATABASE_URL and the moto S3 of scripts/services.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repositoryRoot = resolve(here, '../../../..');
export const isCI = process.env.CI === 'true';

export function incidentdBinary() {
    const binary = process.env.INCIDENTD_BIN ?? join(repositoryRoot, '.build/debug/incidentd');
    if (!existsSync(binary)) throw new Error(`no incidentd at ${binary}: run swift build --product incidentd (or set INCIDENTD_BIN)`);
    return binary;
}

export function freePort() {
    return new Promise((resolvePort, reject) => {
        const server = createServer();
        server.unref();
        server.on('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address();
            server.close(() => resolvePort(port));
        });
    });
}

/** Why the PostgreSQL store cannot be used here, or null. Under CI=true a test must fail on it, not skip. */
export function postgresUnavailable() {
    if (!process.env.TEST_DATABASE_URL) return 'TEST_DATABASE_URL is not set (eval "$(scripts/services/postgres.sh up)")';
    if (!process.env.TEST_S3_ENDPOINT) return 'TEST_S3_ENDPOINT is not set (eval "$(scripts/services/s3.sh up)")';
    return null;
}

let unsafeDemoAccepted = null;

export class Server {
    constructor({ store = 'memory', args = [], env = {} } = {}) {
        this.store = store;
        this.args = args;
        this.env = env;
        this.port = null;
        this.process = null;
        this.output = '';
    }

    get baseUrl() {
        return `http://127.0.0.1:${this.port}`;
    }

    async start() {
        this.port ??= await freePort();
        const env = {
            ...process.env, HOST: '127.0.0.1', PORT: String(this.port),
            JWT_SECRET: 'clients-js-test-secret-0123456789abcdef', REPORT_TIMEZONE: 'Asia/Taipei', ...this.env,
        };
        const args = ['--store', this.store, '--demo-directory', ...this.args];
        if (this.store === 'postgres') {
            // The demo users with the PostgreSQL store take an explicit flag (docs/SECURITY.md).
            args.push('--unsafe-demo');
            const missing = postgresUnavailable();
            if (missing) throw new Error(missing);
            Object.assign(env, {
                DATABASE_URL: process.env.TEST_DATABASE_URL, S3_ENDPOINT: process.env.TEST_S3_ENDPOINT,
                S3_ACCESS_KEY: process.env.TEST_S3_ACCESS_KEY ?? 'test', S3_SECRET_KEY: process.env.TEST_S3_SECRET_KEY ?? 'test',
                S3_BUCKET: 'incident-clients-js', S3_REGION: 'us-east-1',
            });
            // The demo directory with a real database may need --unsafe-demo (a newer incidentd); older ones refuse it.
            if (unsafeDemoAccepted !== false) {
                try {
                    await this.#spawn([...args, '--unsafe-demo'], env);
                    unsafeDemoAccepted = true;
                    return this;
                } catch (error) {
                    if (!/unsafe-demo/.test(this.output)) throw error;
                    unsafeDemoAccepted = false;
                }
            }
        }
        await this.#spawn(args, env);
        return this;
    }

    #spawn(args, env) {
        const child = spawn(incidentdBinary(), args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
        this.process = child;
        this.output = '';
        const keep = (chunk) => {
            this.output += chunk.toString();
            if (this.output.length > 200_000) this.output = this.output.slice(-100_000);
        };
        child.stdout.on('data', keep);
        child.stderr.on('data', keep);
        const exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
        this.exited = exited;
        return new Promise((resolveStart, reject) => {
            let done = false;
            exited.then(({ code, signal }) => {
                if (done) return;
                done = true;
                reject(new Error(`incidentd exited (${code ?? signal}) at start:\n${this.output}`));
            });
            const deadline = Date.now() + 30000;
            const poll = async () => {
                if (done) return;
                try {
                    const response = await fetch(`${this.baseUrl}/healthz`);
                    await response.text();
                    if (response.ok) {
                        done = true;
                        resolveStart();
                        return;
                    }
                } catch {
                    // Not listening yet.
                }
                if (Date.now() > deadline) {
                    done = true;
                    child.kill('SIGKILL');
                    reject(new Error(`incidentd did not answer /healthz within 30 s:\n${this.output}`));
                    return;
                }
                setTimeout(poll, 50);
            };
            poll();
        });
    }

    /** SIGTERM (graceful: sockets closed with 1001) or SIGKILL (a crash), and waits for the exit. */
    async stop(signal = 'SIGTERM') {
        const child = this.process;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
        await this.exited;
        clearTimeout(timer);
    }

    async restart(signal = 'SIGKILL') {
        await this.stop(signal);
        await this.start();
    }
}

export async function startServer(options) {
    return new Server(options).start();
}
