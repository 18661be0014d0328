/* creds.h - registry credentials in Docker's config.json
 * See https://docs.docker.com/reference/cli/docker/login/
 *
 * $DOCKER_CONFIG/config.json (default ~/.docker/config.json): "auths" maps
 * a server to {"auth": base64("user:pass")}; "credHelpers" (per server)
 * and "credsStore" (for all) name a docker-credential-NAME program that is
 * asked instead ("get", the server on standard input, JSON back). Docker
 * Hub's key is "https://index.docker.io/v1/". Writes keep every other key
 * of the file, and leave it mode 0600. */
#ifndef OCIBOX_CREDS_H
#define OCIBOX_CREDS_H

/* The server's key in config.json: "docker.io" -> Docker Hub's URL. */
char *creds_key(const char *registry);
/* 1 with *user and *pass (caller frees), 0 when none, -1 on error. */
int creds_get(const char *registry, char **user, char **pass);
int creds_put(const char *registry, const char *user, const char *pass);
/* 1 if something was removed, 0 if there was nothing. */
int creds_erase(const char *registry);

#endif
