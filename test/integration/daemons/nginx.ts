/**
 * nginx on BOX:80 and BOX:443 (TLS with the box's self-signed certificate), serving:
 * - `/index.html`: the store's home page (http, https);
 * - `/intranet/`: behind basic auth, an htpasswd file made with `openssl passwd -apr1`;
 * - `/portal/`: a login form application (`portal-app.ts`, one process per box on a unix socket)
 *   behind `proxy_pass`, as a PHP or Python application would be deployed.
 */
import type { Lab } from '../support/lab.ts'
import { eachBox, runningOn, type DaemonModule } from './daemon.ts'

const NGINX = '/usr/sbin/nginx'
const PORTAL_APP = new URL('./portal-app.ts', import.meta.url).pathname

export const nginx: DaemonModule = {
  name: 'nginx',
  binaries: [NGINX, '/usr/bin/openssl'],
  endpoints: () => [
    { protocol: 'tcp', port: 80 },
    { protocol: 'tcp', port: 443 },
  ],
  async start(lab: Lab, boxes) {
    await eachBox(runningOn(boxes, 'nginx'), async (box) => {
      const rel = `t${box.num}/nginx`
      const dir = lab.mkdir(rel)
      lab.mkdir(`${rel}/temp`)
      lab.write(
        `${rel}/www/index.html`,
        `<!doctype html>\n<html><head><title>${box.domain}</title></head><body><h1>${box.server.page}</h1></body></html>\n`,
      )
      lab.write(`${rel}/www/intranet/index.html`, '<h1>Intranet</h1><p>Staff only: quarterly numbers.</p>\n')
      const hash = (await lab.exec('openssl', ['passwd', '-apr1', box.server.web.password])).trim()
      lab.write(`${rel}/htpasswd`, `${box.server.web.username}:${hash}\n`)

      const socket = `${dir}/portal.sock`
      const portal = lab.start(`portal-${box.num}`, process.execPath, [
        PORTAL_APP,
        socket,
        box.server.web.username,
        box.server.web.password,
      ])

      const config = lab.write(
        `${rel}/nginx.conf`,
        `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr;
events { worker_connections 128; }
http {
  access_log off;
  client_body_temp_path ${dir}/temp/body;
  proxy_temp_path ${dir}/temp/proxy;
  fastcgi_temp_path ${dir}/temp/fastcgi;
  uwsgi_temp_path ${dir}/temp/uwsgi;
  scgi_temp_path ${dir}/temp/scgi;
  types { text/html html; text/plain txt; }
  default_type application/octet-stream;
  server {
    listen ${box.address}:80;
    listen ${box.address}:443 ssl;
    server_name ${box.domain} www.${box.domain};
    ssl_certificate ${box.tls.cert};
    ssl_certificate_key ${box.tls.key};
    root ${dir}/www;
    location /intranet/ {
      auth_basic "Intranet";
      auth_basic_user_file ${dir}/htpasswd;
    }
    location /portal/ {
      proxy_pass http://unix:${socket}:;
      proxy_set_header Host $host;
    }
  }
}
`,
      )
      const daemon = lab.start(`nginx-${box.num}`, NGINX, [
        '-e',
        'stderr',
        '-p',
        dir,
        '-c',
        config,
        '-g',
        'daemon off;',
      ])
      await lab.waitListening(daemon, 'tcp', box.address, 80)
      await lab.waitListening(daemon, 'tcp', box.address, 443)
      await lab.waitUnixSocket(portal, socket)
    })
  },
}
