{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "moodle.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name; the release name alone if it already holds the chart name. */}}
{{- define "moodle.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "moodle.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "moodle.selectorLabels" -}}
app.kubernetes.io/name: {{ include "moodle.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "moodle.labels" -}}
helm.sh/chart: {{ include "moodle.chart" . }}
{{ include "moodle.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels of one component: call with (dict "ctx" $ "component" "web"). */}}
{{- define "moodle.componentLabels" -}}
{{ include "moodle.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "moodle.componentSelector" -}}
{{ include "moodle.selectorLabels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "moodle.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "moodle.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "moodle.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "moodle.secretName" -}}
{{- default (printf "%s-secrets" (include "moodle.fullname" .)) .Values.secrets.existingSecret }}
{{- end }}

{{/* The install hook's own copy of the Secret the chart makes. */}}
{{- define "moodle.hookSecretName" -}}
{{- printf "%s-install-secrets" (include "moodle.fullname" .) }}
{{- end }}

{{/* The data of the Secret the chart makes (unless secrets.existingSecret). */}}
{{- define "moodle.secretData" -}}
{{ .Values.secrets.keys.databasePassword }}: {{ .Values.secrets.databasePassword | b64enc | quote }}
{{ .Values.secrets.keys.adminPassword }}: {{ .Values.secrets.adminPassword | b64enc | quote }}
{{- if and .Values.redis.enabled .Values.redis.auth }}
{{ .Values.secrets.keys.redisPassword }}: {{ .Values.secrets.redisPassword | b64enc | quote }}
{{- end }}
{{- end }}

{{- define "moodle.claimName" -}}
{{- default (printf "%s-moodledata" (include "moodle.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}

{{/* StorageClasses and PersistentVolumes are cluster-wide: the namespace keeps releases apart. */}}
{{- define "moodle.storageClassName" -}}
{{- default (printf "%s-%s-efs" (include "moodle.fullname" .) .Release.Namespace) .Values.persistence.storageClass.name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "moodle.volumeName" -}}
{{- printf "%s-%s-moodledata" (include "moodle.fullname" .) .Release.Namespace | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Host part of moodle.wwwroot, or ingress.host when set. */}}
{{- define "moodle.host" -}}
{{- default (urlParse .Values.moodle.wwwroot).host .Values.ingress.host }}
{{- end }}

{{/* Values the chart cannot work without; fails the render with a message. */}}
{{- define "moodle.validate" -}}
{{- $_ := required "moodle.wwwroot is required (e.g. https://moodle.example.com)" .Values.moodle.wwwroot }}
{{- $_ = required "database.host is required (CDK output RdsEndpoint)" .Values.database.host }}
{{- if .Values.redis.enabled }}
{{- $_ = required "redis.host is required when redis.enabled (CDK output RedisEndpoint)" .Values.redis.host }}
{{- end }}
{{- if and .Values.persistence.enabled (not .Values.persistence.existingClaim) }}
{{- $_ = required "persistence.fileSystemId is required (CDK output EfsFileSystemId)" .Values.persistence.fileSystemId }}
{{- end }}
{{- if .Values.objectStorage.enabled }}
{{- $_ = required "objectStorage.bucket is required when objectStorage.enabled (CDK output MoodleFilesBucket)" .Values.objectStorage.bucket }}
{{- $_ = required "objectStorage.region is required when objectStorage.enabled" .Values.objectStorage.region }}
{{- if and .Values.networkPolicy.enabled (not .Values.networkPolicy.allowHttpsEgress) (not .Values.objectStorage.endpoint) }}
{{- fail "objectStorage needs networkPolicy.allowHttpsEgress: Moodle reaches S3 over HTTPS" }}
{{- end }}
{{- end }}
{{- if .Values.targetGroupBinding.enabled }}
{{- $_ = required "targetGroupBinding.targetGroupArn is required when targetGroupBinding.enabled (CDK output OriginTargetGroupArn)" .Values.targetGroupBinding.targetGroupArn }}
{{- if .Values.ingress.enabled }}
{{- fail "targetGroupBinding.enabled and ingress.enabled would put the site behind two load balancers: set ingress.enabled false" }}
{{- end }}
{{- end }}
{{- if not .Values.secrets.existingSecret }}
{{- $_ = required "secrets.databasePassword is required unless secrets.existingSecret is set" .Values.secrets.databasePassword }}
{{- $_ = required "secrets.adminPassword is required unless secrets.existingSecret is set" .Values.secrets.adminPassword }}
{{- if and .Values.redis.enabled .Values.redis.auth }}
{{- $_ = required "secrets.redisPassword is required when redis.auth is true, unless secrets.existingSecret is set" .Values.secrets.redisPassword }}
{{- end }}
{{- end }}
{{- end }}

{{/* The image's settings (no secrets), as YAML: the ConfigMap the web and
cron pods read, and the install hook's own env (a pre-upgrade hook runs
before Helm applies the release's new ConfigMap). */}}
{{- define "moodle.settings" -}}
MOODLE_WWWROOT: {{ .Values.moodle.wwwroot | quote }}
MOODLE_SITE_NAME: {{ .Values.moodle.siteName | quote }}
MOODLE_ADMIN_USER: {{ .Values.moodle.adminUser | quote }}
MOODLE_ADMIN_EMAIL: {{ .Values.moodle.adminEmail | quote }}
MOODLE_SSLPROXY: {{ .Values.moodle.sslProxy | quote }}
MOODLE_REVERSEPROXY: {{ .Values.moodle.reverseProxy | quote }}
{{- with .Values.moodle.lockFactory }}
MOODLE_LOCK_FACTORY: {{ . | quote }}
{{- end }}
MOODLE_DB_TYPE: {{ .Values.database.type | quote }}
MOODLE_DB_HOST: {{ .Values.database.host | quote }}
MOODLE_DB_PORT: {{ .Values.database.port | quote }}
MOODLE_DB_NAME: {{ .Values.database.name | quote }}
MOODLE_DB_USER: {{ .Values.database.user | quote }}
{{- if .Values.redis.enabled }}
MOODLE_REDIS_HOST: {{ .Values.redis.host | quote }}
MOODLE_REDIS_PORT: {{ .Values.redis.port | quote }}
MOODLE_REDIS_TLS: {{ .Values.redis.tls | quote }}
MOODLE_NEAR_CACHE: {{ .Values.redis.nearCache.enabled | quote }}
{{- /* Off: no shared memory reserved either. */}}
MOODLE_NEAR_CACHE_SIZE: {{ ternary .Values.redis.nearCache.size "0" .Values.redis.nearCache.enabled | quote }}
{{- end }}
{{- with .Values.objectStorage }}
{{- if .enabled }}
MOODLE_S3_BUCKET: {{ .bucket | quote }}
MOODLE_S3_REGION: {{ .region | quote }}
{{- with .endpoint }}
MOODLE_S3_ENDPOINT: {{ . | quote }}
{{- end }}
MOODLE_OBJECTFS_DELETE_LOCAL: {{ .deleteLocal | quote }}
MOODLE_OBJECTFS_SIZE_THRESHOLD: {{ .sizeThreshold | int64 | quote }}
MOODLE_OBJECTFS_MINIMUM_AGE: {{ .minimumAge | int64 | quote }}
MOODLE_OBJECTFS_CONSISTENCY_DELAY: {{ .consistencyDelay | int64 | quote }}
{{- end }}
{{- end }}
MOODLE_HTTP_PORT: {{ .Values.web.containerPort | quote }}
MOODLE_DATAROOT: /var/moodledata
MOODLE_LOCALCACHEDIR: /var/cache/moodle-local
{{- end }}

{{/* "true" when the web pods' metrics are scraped through a PodMonitor (the
Prometheus Operator's CRDs exist), "" when through scrape annotations. */}}
{{- define "moodle.podMonitor" -}}
{{- if and .Values.metrics.enabled .Values.metrics.podMonitor.enabled (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/PodMonitor") }}true{{ end }}
{{- end }}

{{/* PromQL label matchers of this release's web pods, as a PodMonitor labels them. */}}
{{- define "moodle.metricsSelector" -}}
namespace="{{ .Release.Namespace }}",pod=~"{{ include "moodle.fullname" . }}-.*"
{{- end }}

{{/* Required node affinity to On-Demand capacity, for cron and the install job. */}}
{{- define "moodle.onDemandAffinity" -}}
nodeAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    nodeSelectorTerms:
      - matchExpressions:
          - key: {{ .Values.onDemand.labelKey }}
            operator: In
            values:
              - {{ .Values.onDemand.labelValue | quote }}
{{- end }}

{{/* Pod spec fields common to every Moodle pod. */}}
{{- define "moodle.podCommon" -}}
serviceAccountName: {{ include "moodle.serviceAccountName" . }}
automountServiceAccountToken: {{ .Values.serviceAccount.automountToken }}
enableServiceLinks: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Container fields common to every Moodle container: image, env, mounts.
Call with (dict "ctx" $ "admin" bool "hook" bool "env" list): admin mounts
the admin password; hook (the install Job) carries the settings in its own
env instead of reading the release's ConfigMap; env adds container-specific
variables. */}}
{{- define "moodle.containerCommon" -}}
{{- $ := .ctx -}}
image: {{ include "moodle.image" $ }}
imagePullPolicy: {{ $.Values.image.pullPolicy }}
securityContext:
  {{- toYaml $.Values.containerSecurityContext | nindent 2 }}
{{- if not .hook }}
envFrom:
  - configMapRef:
      name: {{ include "moodle.fullname" $ }}-env
{{- end }}
env:
  {{- if .hook }}
  {{- range $k, $v := include "moodle.settings" $ | fromYaml }}
  - name: {{ $k }}
    value: {{ $v | quote }}
  {{- end }}
  {{- end }}
  - name: MOODLE_DB_PASSWORD_FILE
    value: /etc/moodle/secrets/db-password
  {{- if and $.Values.redis.enabled $.Values.redis.auth }}
  - name: MOODLE_REDIS_PASSWORD_FILE
    value: /etc/moodle/secrets/redis-password
  {{- end }}
  {{- if .admin }}
  - name: MOODLE_ADMIN_PASSWORD_FILE
    value: /etc/moodle/secrets/admin-password
  {{- end }}
  {{- with .env }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
  {{- with $.Values.moodle.extraEnv }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
volumeMounts:
  - name: moodledata
    mountPath: /var/moodledata
  - name: localcache
    mountPath: /var/cache/moodle-local
  - name: tmp
    mountPath: /tmp
  - name: run
    mountPath: /run
  - name: secrets
    mountPath: /etc/moodle/secrets
    readOnly: true
{{- end }}

{{/* Volumes of every Moodle pod. Call with (dict "ctx" $ "admin" bool "hook"
bool); the install hook mounts the hook's copy of a Secret the chart makes. */}}
{{- define "moodle.volumes" -}}
{{- $ := .ctx -}}
- name: moodledata
  {{- if $.Values.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ include "moodle.claimName" $ }}
  {{- else }}
  emptyDir: {}
  {{- end }}
- name: localcache
  emptyDir:
    sizeLimit: {{ $.Values.localCache.sizeLimit }}
- name: tmp
  emptyDir:
    sizeLimit: {{ $.Values.tmp.sizeLimit }}
- name: run
  emptyDir:
    medium: Memory
    sizeLimit: 64Mi
- name: secrets
  secret:
    {{- if and .hook (not $.Values.secrets.existingSecret) }}
    secretName: {{ include "moodle.hookSecretName" $ }}
    {{- else }}
    secretName: {{ include "moodle.secretName" $ }}
    {{- end }}
    defaultMode: 0440
    items:
      - key: {{ $.Values.secrets.keys.databasePassword }}
        path: db-password
      {{- if and $.Values.redis.enabled $.Values.redis.auth }}
      - key: {{ $.Values.secrets.keys.redisPassword }}
        path: redis-password
      {{- end }}
      {{- if .admin }}
      - key: {{ $.Values.secrets.keys.adminPassword }}
        path: admin-password
      {{- end }}
{{- end }}
