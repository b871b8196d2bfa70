# The fleet's shared services, both from Debian: the registry (docker-registry, standing in for
# ECR, with htpasswd auth) and the load balancer (HAProxy, standing in for the ALB).
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      docker-registry haproxy apache2-utils ca-certificates \
 && rm -rf /var/lib/apt/lists/*
