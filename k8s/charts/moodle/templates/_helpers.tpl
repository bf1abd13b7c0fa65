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
Call with (dict "ctx" $ "admin" bool "env" list): admin mounts the admin
password; env adds container-specific variables. */}}
{{- define "moodle.containerCommon" -}}
{{- $ := .ctx -}}
image: {{ include "moodle.image" $ }}
imagePullPolicy: {{ $.Values.image.pullPolicy }}
securityContext:
  {{- toYaml $.Values.containerSecurityContext | nindent 2 }}
envFrom:
  - configMapRef:
      name: {{ include "moodle.fullname" $ }}-env
env:
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

{{/* Volumes of every Moodle pod. Call with (dict "ctx" $ "admin" bool). */}}
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
    secretName: {{ include "moodle.secretName" $ }}
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
