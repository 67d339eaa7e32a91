{{/*
_worker.tpl — one worker group's Deployment, for `worker` and for every
enabled additional group alike; (dict "root" $ "name" GROUP "deployment" NAME
"values" FIELDS), FIELDS being the group's fields with their defaults filled
in by ray.workerGroups.

Each pod first waits, in an init container, until the head's GCS answers PING,
then runs `rayc start --address=<head>:<gcs port> --group=<group>
--node-name=<pod name> --node-ip-address=<pod IP>` and the group's
rayStartParams in the foreground. The operator finds the pods of a node by
--node-name and ray.io/* labels, and scales the Deployment.
*/}}
{{- define "ray.workerDeployment" -}}
{{- $root := .root -}}
{{- $g := .values -}}
{{- $name := .name -}}
{{- $params := $g.rayStartParams | default dict -}}
{{- $given := dict -}}
{{- range $k, $v := $params -}}
{{- $_ := set $given (replace "_" "-" $k) $v -}}
{{- end -}}
{{- $headParams := dict -}}
{{- range $k, $v := ($root.Values.head.rayStartParams | default dict) -}}
{{- $_ := set $headParams (replace "_" "-" $k) $v -}}
{{- end -}}
{{- $p := dict -}}
{{- include "ray.headPorts" (dict "root" $root "out" $p) -}}
{{- $headHost := include "ray.headName" $root -}}
{{- $gcsPort := get $p.byName "gcs" -}}
{{- $args := list -}}
{{- range $flag, $value := dict
    "address" (printf "%s:%d" $headHost $gcsPort)
    "group" $name
    "node-name" "$(RAYC_POD_NAME)"
    "node-ip-address" "$(RAYC_POD_IP)" -}}
{{- if not (hasKey $given $flag) -}}
{{- $args = append $args (printf "--%s=%s" $flag $value) -}}
{{- end -}}
{{- end -}}
{{- range $k := keys $params | sortAlpha -}}
{{- $args = append $args (printf "--%s=%s" $k (include "ray.scalar" (get $params $k))) -}}
{{- end -}}
{{- /* A head with a password turns away workers that do not AUTH with it. */ -}}
{{- if and (hasKey $headParams "redis-password") (not (hasKey $given "redis-password")) -}}
{{- $args = append $args (printf "--redis-password=%s" (include "ray.scalar" (get $headParams "redis-password"))) -}}
{{- end -}}
{{- if not (hasKey $given "block") -}}
{{- $args = append $args "--block" -}}
{{- end -}}
{{- /* The object store spills to <storage>/spill/<node id> on the shared volume. */ -}}
{{- if and $root.Values.storage.enabled (not (hasKey $given "storage")) -}}
{{- $args = append $args (printf "--storage=%s" $root.Values.storage.mountPath) -}}
{{- end -}}
{{- /* busybox's user is root, which runAsNonRoot refuses; OpenShift assigns a
user of its own (and rejects one outside its range), elsewhere use nobody. */ -}}
{{- $initSC := deepCopy ($g.initContainerSecurityContext | default dict) -}}
{{- $podSC := $g.podSecurityContext | default dict -}}
{{- $nonRoot := hasKey $initSC "runAsNonRoot" | ternary $initSC.runAsNonRoot $podSC.runAsNonRoot -}}
{{- if and $nonRoot (not (hasKey $initSC "runAsUser")) (not (hasKey $podSC "runAsUser")) (not ($root.Capabilities.APIVersions.Has "security.openshift.io/v1")) -}}
{{- $_ := set $initSC "runAsUser" 65534 -}}
{{- end -}}
{{- /* Once installed, the operator owns the replica count: an upgrade keeps
the live count instead of resetting it to `replicas`. */ -}}
{{- $replicas := int $g.replicas -}}
{{- if $root.Values.operator.enabled -}}
{{- $live := lookup "apps/v1" "Deployment" $root.Release.Namespace .deployment -}}
{{- if and $live $live.spec (hasKey ($live.spec | default dict) "replicas") -}}
{{- $replicas = int $live.spec.replicas -}}
{{- end -}}
{{- end -}}
{{- $vol := dict -}}
{{- include "ray.rayVolumes" (dict "root" $root "node" $g "out" $vol) -}}
{{- $podLabels := dict "ray.io/cluster" $root.Values.clustername "ray.io/node-type" "worker" "ray.io/group" $name -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .deployment }}
  labels:
    {{- include "ray.labels" (dict "root" $root "component" "worker" "extra" (dict "ray.io/cluster" $root.Values.clustername "ray.io/group" $name)) | nindent 4 }}
spec:
  replicas: {{ $replicas }}
  selector:
    matchLabels:
      {{- include "ray.selectorLabels" (dict "root" $root "component" "worker" "extra" $podLabels) | nindent 6 }}
  template:
    {{- include "ray.podMetadata" (dict "root" $root "component" "worker" "extra" $podLabels "labels" $g.labels "annotations" $g.annotations "checksum" (printf "%s\n%s" (include "ray.licenseSecret" $root) (toJson $params) | sha256sum)) | nindent 4 }}
    spec:
      {{- with include "ray.podPlacement" (dict "root" $root "node" $g) | trim }}
      {{- . | nindent 6 }}
      {{- end }}
      initContainers:
        - name: wait-gcs
          image: {{ $g.initContainerImage | quote }}
          imagePullPolicy: IfNotPresent
          command:
            - sh
            - -c
            - |
              start=$(date +%s)
              n=0
              while :; do
                n=$((n + 1))
                if printf 'PING\r\n' | nc -w 2 "$RAYC_HEAD_HOST" "$RAYC_HEAD_PORT" 2>/dev/null | grep -q -e PONG -e NOAUTH; then
                  echo "wait-gcs: the head's GCS at $RAYC_HEAD_HOST:$RAYC_HEAD_PORT answered (attempt $n)"
                  exit 0
                fi
                waited=$(($(date +%s) - start))
                if [ "$waited" -ge "$RAYC_WAIT_TIMEOUT" ]; then
                  echo "wait-gcs: giving up after ${waited}s: the head's GCS at $RAYC_HEAD_HOST:$RAYC_HEAD_PORT never answered PING; see kubectl logs deployment/$RAYC_HEAD_HOST" >&2
                  exit 1
                fi
                echo "wait-gcs: attempt $n: no answer from $RAYC_HEAD_HOST:$RAYC_HEAD_PORT yet (${waited}s of ${RAYC_WAIT_TIMEOUT}s)"
                sleep 2
              done
          env:
            - name: RAYC_HEAD_HOST
              value: {{ $headHost | quote }}
            - name: RAYC_HEAD_PORT
              value: {{ $gcsPort | quote }}
            - name: RAYC_WAIT_TIMEOUT
              value: {{ int $g.initContainerTimeoutSeconds | quote }}
          resources:
            limits:
              cpu: 100m
              memory: 32Mi
            requests:
              cpu: 10m
              memory: 16Mi
          {{- with $initSC }}
          securityContext:
            {{- toYaml . | nindent 12 }}
          {{- end }}
      containers:
        - name: ray-worker
          image: {{ include "ray.image" (dict "image" $root.Values.image "root" $root) | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          {{- /* args, not command: the image's entrypoint (tini) stays PID 1 and reaps the task processes. */}}
          args:
            {{- toYaml (concat (list "rayc" "start") $args) | nindent 12 }}
          env:
            {{- include "ray.rayEnv" (dict "root" $root "env" $g.containerEnv) | nindent 12 }}
          {{- with $g.envFrom }}
          envFrom:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with $g.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with $g.securityContext }}
          securityContext:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with $vol.mounts }}
          volumeMounts:
            {{- toYaml . | nindent 12 }}
          {{- end }}
        {{- with $g.sidecarContainers }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with $vol.volumes }}
      volumes:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
