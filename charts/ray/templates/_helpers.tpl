{{/*
_helpers.tpl — what the templates share: object names, labels, the worker-group
list with its defaults, the pieces of every Ray pod, and the documents whose
checksum restarts pods (license Secret, operator ConfigMap).

Names derive from .Values.clustername (<clustername>-ray-head, …), except the
operator's objects, which are always ray-operator so that
`kubectl logs deployment/ray-operator` works whatever the release is called.
Helpers that must hand back a list or a map write it into the dict given as
"out" instead of printing YAML to be parsed again, so values keep their types.
*/}}

{{- define "ray.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ray.headName" -}}
{{- printf "%s-ray-head" .Values.clustername -}}
{{- end -}}

{{- define "ray.licenseSecretName" -}}
{{- printf "%s-ray-license" .Values.clustername -}}
{{- end -}}

{{- define "ray.storageClaimName" -}}
{{- printf "%s-ray-storage" .Values.clustername -}}
{{- end -}}

{{- define "ray.operatorConfigName" -}}
{{- printf "%s-ray-operator" .Values.clustername -}}
{{- end -}}

{{- define "ray.operatorName" -}}
ray-operator
{{- end -}}

{{- define "ray.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default "ray-operator" .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* A worker group's Deployment name; (dict "root" $ "name" GROUP). Kubernetes
names are lowercase DNS labels, so smallGroup → smallgroup, gpu_a → gpu-a. */}}
{{- define "ray.workerName" -}}
{{- $slug := .name | lower | replace "_" "-" -}}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" $slug) -}}
{{- fail (printf "worker group %q: a group name is letters, digits, '-' and '_', and starts and ends with a letter or digit" .name) -}}
{{- end -}}
{{- printf "%s-ray-worker-%s" .root.Values.clustername $slug -}}
{{- end -}}

{{/* Prints a value for a --KEY=VALUE flag or an image tag. Helm reads every
number of a values file as a float, which would print 1073741824 as
1.073741824e+09: whole numbers are printed as integers. */}}
{{- define "ray.scalar" -}}
{{- if kindIs "invalid" . -}}
{{- else if and (kindIs "float64" .) (eq . (floor .)) -}}
{{- int64 . -}}
{{- else -}}
{{- . -}}
{{- end -}}
{{- end -}}

{{/* "true" when a rayStartParams value says no (false, 0, no, off), else "". */}}
{{- define "ray.isFalse" -}}
{{- if has (include "ray.scalar" . | lower) (list "false" "0" "no" "off") -}}true{{- end -}}
{{- end -}}

{{/* Labels: (dict "root" $ "component" C "out" DICT [extra labels in "extra"]). */}}
{{- define "ray.addSelectorLabels" -}}
{{- $_ := set .out "app.kubernetes.io/name" .root.Chart.Name -}}
{{- $_ = set .out "app.kubernetes.io/instance" .root.Release.Name -}}
{{- $_ = set .out "app.kubernetes.io/component" .component -}}
{{- range $k, $v := (.extra | default dict) -}}
{{- $_ = set $.out $k $v -}}
{{- end -}}
{{- end -}}

{{- define "ray.addLabels" -}}
{{- include "ray.addSelectorLabels" . -}}
{{- $_ := set .out "app.kubernetes.io/version" .root.Chart.AppVersion -}}
{{- $_ = set .out "app.kubernetes.io/managed-by" .root.Release.Service -}}
{{- $_ = set .out "app.kubernetes.io/part-of" "rayc" -}}
{{- $_ = set .out "helm.sh/chart" (include "ray.chart" .root) -}}
{{- end -}}

{{/* Object labels as YAML; (dict "root" $ "component" C ["extra" DICT]). */}}
{{- define "ray.labels" -}}
{{- $out := dict -}}
{{- include "ray.addLabels" (dict "root" .root "component" .component "extra" .extra "out" $out) -}}
{{- toYaml $out -}}
{{- end -}}

{{/* Selector labels as YAML: only labels that never change for an object. */}}
{{- define "ray.selectorLabels" -}}
{{- $out := dict -}}
{{- include "ray.addSelectorLabels" (dict "root" .root "component" .component "extra" .extra "out" $out) -}}
{{- toYaml $out -}}
{{- end -}}

{{/* Pod template metadata: the user's labels and annotations for this node
type, under the chart's own (which win: the selector must keep matching);
(dict "root" $ "component" C "extra" DICT "labels" L "annotations" A
"checksum" SUM). */}}
{{- define "ray.podMetadata" -}}
{{- $labels := dict -}}
{{- range $k, $v := (.labels | default dict) -}}
{{- $_ := set $labels $k (toString $v) -}}
{{- end -}}
{{- include "ray.addLabels" (dict "root" .root "component" .component "extra" .extra "out" $labels) -}}
{{- $annotations := dict -}}
{{- range $k, $v := (.annotations | default dict) -}}
{{- $_ := set $annotations $k (toString $v) -}}
{{- end -}}
{{- $_ := set $annotations "checksum/config" .checksum -}}
metadata:
  labels:
    {{- toYaml $labels | nindent 4 }}
  annotations:
    {{- toYaml $annotations | nindent 4 }}
{{- end -}}

{{/* image: REPOSITORY:TAG; (dict "image" IMG "root" $). An empty tag means the
chart's appVersion. */}}
{{- define "ray.image" -}}
{{- $tag := include "ray.scalar" .image.tag | default .root.Chart.AppVersion -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}

{{/* imagePullSecrets of a pod spec; entries are {name: x} or plain names. */}}
{{- define "ray.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
{{- range . }}
{{- if kindIs "string" . }}
  - name: {{ . | quote }}
{{- else }}
  - name: {{ .name | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Scheduling and security fields of a pod spec; (dict "root" $ "node" V)
where V has podSecurityContext, nodeSelector, tolerations and affinity. */}}
{{- define "ray.podPlacement" -}}
{{- include "ray.imagePullSecrets" .root }}
{{- with .node.podSecurityContext }}
securityContext:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .node.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .node.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .node.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The env of a Ray container: the pod's name and IP (the flags refer to
them as $(RAYC_POD_NAME) and $(RAYC_POD_IP)), the license when one is set,
then the user's list; (dict "root" $ "env" LIST). */}}
{{- define "ray.rayEnv" -}}
- name: RAYC_POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: RAYC_POD_IP
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
{{- if .root.Values.SynthoLicense }}
- name: LICENSE_KEY_SIGNED
  valueFrom:
    secretKeyRef:
      name: {{ include "ray.licenseSecretName" .root }}
      key: LICENSE_KEY_SIGNED
{{- end }}
{{- with .env }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* volumes and volumeMounts of a Ray pod: the user's, plus the shared
storage claim when storage is enabled; (dict "root" $ "node" V "out" DICT)
sets out.volumes and out.mounts. */}}
{{- define "ray.rayVolumes" -}}
{{- $volumes := concat (list) (.node.volumes | default list) -}}
{{- $mounts := concat (list) (.node.volumeMounts | default list) -}}
{{- if .root.Values.storage.enabled -}}
{{- $volumes = append $volumes (dict "name" "rayc-storage" "persistentVolumeClaim" (dict "claimName" (include "ray.storageClaimName" .root))) -}}
{{- $mounts = append $mounts (dict "name" "rayc-storage" "mountPath" .root.Values.storage.mountPath) -}}
{{- end -}}
{{- $_ := set .out "volumes" $volumes -}}
{{- $_ = set .out "mounts" $mounts -}}
{{- end -}}

{{/* The head's ports, by name: head.ports, plus gcs 6379, dashboard 8265 and
client 10001 when head.ports leaves them out (the Service, the workers and the
probes find them by these names); (dict "root" $ "out" DICT) sets out.ports
(list) and out.byName (name → port number). */}}
{{- define "ray.headPorts" -}}
{{- $ports := list -}}
{{- $byName := dict -}}
{{- range (.root.Values.head.ports | default list) -}}
{{- $ports = append $ports . -}}
{{- if .name -}}
{{- $_ := set $byName .name (int .containerPort) -}}
{{- end -}}
{{- end -}}
{{- range list (list "gcs" 6379) (list "dashboard" 8265) (list "client" 10001) -}}
{{- $name := index . 0 -}}
{{- $port := index . 1 -}}
{{- if not (hasKey $byName $name) -}}
{{- $ports = append $ports (dict "name" $name "containerPort" $port) -}}
{{- $_ := set $byName $name $port -}}
{{- end -}}
{{- end -}}
{{- $_ := set .out "ports" $ports -}}
{{- $_ = set .out "byName" $byName -}}
{{- end -}}

{{/* The GCS address workers and the operator use: <head service>:<gcs port>. */}}
{{- define "ray.headAddress" -}}
{{- $p := dict -}}
{{- include "ray.headPorts" (dict "root" . "out" $p) -}}
{{- printf "%s:%d" (include "ray.headName" .) (get $p.byName "gcs") -}}
{{- end -}}

{{/* Defaults of a worker group's fields: what values.yaml gives `worker`. An
additional group that leaves a field out (or sets it to null) gets these. */}}
{{- define "ray.workerDefaults" -}}
replicas: 1
minReplicas: 1
maxReplicas: 3
disabled: false
rayStartParams:
  block: 'true'
initContainerImage: 'busybox:1.28'
initContainerTimeoutSeconds: 300
initContainerSecurityContext:
  allowPrivilegeEscalation: false
  capabilities:
    drop:
      - ALL
  runAsNonRoot: true
containerEnv: []
envFrom: []
resources:
  limits:
    cpu: "1"
    memory: "1G"
  requests:
    cpu: "1"
    memory: "1G"
volumes:
  - name: log-volume
    emptyDir: {}
volumeMounts:
  - mountPath: /tmp/ray
    name: log-volume
sidecarContainers: []
labels: {}
annotations: {}
nodeSelector: {}
tolerations: []
affinity: {}
securityContext:
  allowPrivilegeEscalation: false
  capabilities:
    drop:
      - ALL
  runAsNonRoot: true
podSecurityContext:
  runAsNonRoot: true
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{/* Every worker group, `worker` first, then additionalWorkerGroups by name,
each as (dict "name" NAME "deployment" DEPLOYMENT "values" FIELDS) with its
fields defaulted; disabled groups are left out. (dict "root" $ "out" DICT)
sets out.groups. Fails when two groups would share a Deployment. */}}
{{- define "ray.workerGroups" -}}
{{- $root := .root -}}
{{- $defaults := include "ray.workerDefaults" . | fromYaml -}}
{{- $given := list (list $root.Values.worker.groupName $root.Values.worker) -}}
{{- $extra := $root.Values.additionalWorkerGroups | default dict -}}
{{- range $name := keys $extra | sortAlpha -}}
{{- $given = append $given (list $name (get $extra $name | default dict)) -}}
{{- end -}}
{{- $groups := list -}}
{{- $seen := dict -}}
{{- range $given -}}
{{- $name := toString (index . 0) -}}
{{- $raw := index . 1 | default dict -}}
{{- $g := dict -}}
{{- range $k, $v := $defaults -}}
{{- $_ := set $g $k $v -}}
{{- if hasKey $raw $k -}}
{{- if not (kindIs "invalid" (index $raw $k)) -}}
{{- $_ = set $g $k (index $raw $k) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if not $g.disabled -}}
{{- $deployment := include "ray.workerName" (dict "root" $root "name" $name) -}}
{{- if hasKey $seen $deployment -}}
{{- fail (printf "worker groups %q and %q would both be the Deployment %s: rename one" (get $seen $deployment) $name $deployment) -}}
{{- end -}}
{{- $_ := set $seen $deployment $name -}}
{{- if gt (int $g.minReplicas) (int $g.maxReplicas) -}}
{{- fail (printf "worker group %q: minReplicas (%d) is above maxReplicas (%d)" $name (int $g.minReplicas) (int $g.maxReplicas)) -}}
{{- end -}}
{{- $groups = append $groups (dict "name" $name "deployment" $deployment "values" $g) -}}
{{- end -}}
{{- end -}}
{{- $_ := set .out "groups" $groups -}}
{{- end -}}

{{/* The license Secret (empty when no license is set). */}}
{{- define "ray.licenseSecret" -}}
{{- if .Values.SynthoLicense -}}
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "ray.licenseSecretName" . }}
  labels:
    {{- include "ray.labels" (dict "root" . "component" "license" "extra" (dict "ray.io/cluster" .Values.clustername)) | nindent 4 }}
type: Opaque
data:
  LICENSE_KEY_SIGNED: {{ .Values.SynthoLicense | toString | b64enc | quote }}
{{- end -}}
{{- end -}}

{{/* The operator's configuration: operator.json in a ConfigMap. */}}
{{- define "ray.operatorConfigMap" -}}
{{- $w := dict -}}
{{- include "ray.workerGroups" (dict "root" . "out" $w) -}}
{{- $groups := list -}}
{{- range $w.groups -}}
{{- $groups = append $groups (dict
    "name" .name
    "deployment" .deployment
    "minReplicas" (int .values.minReplicas)
    "maxReplicas" (int .values.maxReplicas)
    "rayStartParams" (.values.rayStartParams | default dict)
    "resources" (.values.resources | default dict)
    "podSelector" (printf "ray.io/cluster=%s,ray.io/group=%s" $.Values.clustername .name)) -}}
{{- end -}}
{{- $config := dict
    "headAddress" (include "ray.headAddress" .)
    "namespace" .Release.Namespace
    "periodSeconds" (int .Values.operator.periodSeconds)
    "idleTimeoutSeconds" (int .Values.operator.idleTimeoutSeconds)
    "groups" $groups -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "ray.operatorConfigName" . }}
  labels:
    {{- include "ray.labels" (dict "root" . "component" "operator" "extra" (dict "ray.io/cluster" .Values.clustername)) | nindent 4 }}
data:
  operator.json: |-
    {{- toPrettyJson $config | nindent 4 }}
{{- end -}}
