# The orchestrator service: durable worker, scheduler, REST API and dashboard on port 8080.
#
#   docker build -t orchestrator .
#   docker run -p 8080:8080 -e Orchestrator__Api__Keys__0="$(openssl rand -hex 32)" -v orchestrator-data:/data orchestrator
#
# With podman, build with --format docker (its default OCI format drops the HEALTHCHECK); docs/operations.md has more.
#
# Every setting of appsettings.json can be given as an environment variable, ':' written as '__'
# (Orchestrator__Store__Provider=SqlServer). The image listens on all interfaces, so it refuses to start without
# an API key (Orchestrator__Api__Keys__0, at least 16 characters) unless Orchestrator__Api__AllowAnonymous=true.
# Keys and connection strings come from the environment at run time, never from this file.
# See deploy/docker-compose.yml, deploy/k8s/ and docs/operations.md.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# Restore in its own layer: it changes only when a project file or a package version does. Every project the host
# references, and every file its project files link, is copied here, and each project's folder below
# (Orchestrator.Tests: Deployment/ContainerImageTests and Architecture/ProjectReferenceTests check it).
COPY Directory.Build.props Directory.Packages.props .editorconfig appsettings.json ./
COPY Orchestrator.Sqlite/Orchestrator.Sqlite.csproj Orchestrator.Sqlite/
COPY Orchestrator.Glue/Orchestrator.Glue.csproj Orchestrator.Glue/
COPY Orchestrator.Glue.Local/Orchestrator.Glue.Local.csproj Orchestrator.Glue.Local/
COPY Orchestrator.Activities/Orchestrator.Activities.csproj Orchestrator.Activities/
COPY Orchestrator.Storage/Orchestrator.Storage.csproj Orchestrator.Storage/
COPY Orchestrator.Host/Orchestrator.Host.csproj Orchestrator.Host/
RUN dotnet restore Orchestrator.Host -r linux-x64

COPY Orchestrator.Sqlite/ Orchestrator.Sqlite/
COPY Orchestrator.Glue/ Orchestrator.Glue/
COPY Orchestrator.Glue.Local/ Orchestrator.Glue.Local/
COPY Orchestrator.Activities/ Orchestrator.Activities/
COPY Orchestrator.Storage/ Orchestrator.Storage/
COPY Orchestrator.Host/ Orchestrator.Host/
RUN dotnet publish Orchestrator.Host -c Release -r linux-x64 --self-contained false --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime

# The default data directory (SQLite store, local catalog and lake), owned by the image's non-root user.
RUN mkdir /data && chown "$APP_UID" /data
VOLUME /data

# ASPNETCORE_HTTP_PORTS is emptied so that ASPNETCORE_URLS alone decides where Kestrel listens (no override warning).
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_HTTP_PORTS= \
    DOTNET_NOLOGO=1 \
    Orchestrator__DataDirectory=/data \
    Orchestrator__Logging__Json=true

COPY --from=build /app /app
WORKDIR /app
USER $APP_UID
EXPOSE 8080

# The runtime image has neither curl nor wget, and adding them only for this would grow the image and its patch
# surface: bash's /dev/tcp speaks enough HTTP for one request. A custom ASPNETCORE_URLS port needs this line too.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r -t 4 status <&3 && [[ $status == *' 200 '* ]]"]

# SIGTERM (docker stop, Kubernetes) drains the durable worker for Orchestrator:Worker:ShutdownGracePeriod (30 s by
# default); give the container longer than that before SIGKILL (docker stop -t 45, stop_grace_period, terminationGracePeriodSeconds).
ENTRYPOINT ["/app/orchestrator"]
CMD ["serve"]
