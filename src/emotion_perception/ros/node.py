"""The ROS 2 lifecycle node: a thin adapter between topics and the ROS-free Pipeline.

- configure: parameters read and checked, publishers made (emotions, debug_image, /diagnostics).
- activate: pose estimator and emotion model loaded, image subscription created, worker started.
- deactivate: subscription, worker, model and pose estimator released (CUDA cache emptied): an
  inactive node holds no model and costs nothing.
The worker owns its pipeline: it is handed the pipeline when started and closes it itself when it
stops, so a deactivate that arrives mid-frame (a large tiled frame takes seconds) never frees what
the frame is using. Deactivate waits briefly, then lets that last frame finish unpublished; the
next activate waits for it, so there is never more than one worker.
The subscription callback never runs inference: it drops the message into a one-frame slot
(replacing, and counting, any frame the worker had not taken yet) and returns. The worker takes
the newest frame, converts it, runs the pipeline and publishes, so latency stays bounded under
load instead of a queue growing. Bad input is counted by kind and logged once per kind per
interval; the next good frame is processed as usual.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any, Optional

from builtin_interfaces.msg import Time
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from emotion_perception_msgs.msg import FrameEmotions, Landmark, PersonEmotion
from rcl_interfaces.msg import (
    FloatingPointRange,
    IntegerRange,
    ParameterDescriptor,
    ParameterType,
    SetParametersResult,
)
from rclpy.lifecycle import LifecycleNode, LifecycleState, TransitionCallbackReturn
from rclpy.qos import (
    HistoryPolicy,
    QoSProfile,
    ReliabilityPolicy,
    qos_profile_sensor_data,
)
from rclpy.serialization import deserialize_message
from sensor_msgs.msg import CompressedImage, Image, RegionOfInterest
from std_msgs.msg import Header

from ..core.errors import BadImageError
from ..core.stats import StreamStats
from .emotion_message import MessageKit, frame_emotions
from .health import ERROR, WARN, Health, judge
from .heap import limit_arenas, release_free_memory
from .image_conversion import cv2_to_imgmsg, to_rgb8
from .image_wire import WirePrefix, read_prefix
from .node_parameters import BY_NAME, PARAMETERS, PIPELINE_PARAMETERS, ParameterSpec, pipeline_from
from .source_mixing import SourceMixingDetector
from .stamps import stamp_ns, stamp_seconds

_TYPES = {bool: ParameterType.PARAMETER_BOOL, int: ParameterType.PARAMETER_INTEGER,
          float: ParameterType.PARAMETER_DOUBLE, str: ParameterType.PARAMETER_STRING}
_LOG_INTERVAL_S = 5.0
_DEACTIVATE_WAIT_S = 2.0  # for the frame in flight, before deactivate returns and leaves it to finish
_ACTIVATE_WAIT_S = 60.0  # for the previous activation's last frame, before activate gives up
_SHUTDOWN_WAIT_S = 60.0  # for the frame in flight at shutdown (a first tiled 1080p frame takes seconds)
ROS_KIT = MessageKit(frame_emotions=FrameEmotions, person_emotion=PersonEmotion, landmark=Landmark,
                     region_of_interest=RegionOfInterest, header=Header, time=Time, float_array=list)


def _descriptor(spec: ParameterSpec) -> ParameterDescriptor:
    descriptor = ParameterDescriptor(type=_TYPES[type(spec.default)], description=spec.description,
                                     read_only=False)
    if spec.choices:
        descriptor.additional_constraints = "one of: " + ", ".join(spec.choices)
    if spec.minimum is not None and isinstance(spec.default, int) and not isinstance(spec.default, bool):
        descriptor.integer_range = [IntegerRange(from_value=int(spec.minimum), to_value=int(spec.maximum), step=1)]
    elif spec.minimum is not None:
        descriptor.floating_point_range = [FloatingPointRange(from_value=float(spec.minimum),
                                                              to_value=float(spec.maximum), step=0.0)]
    return descriptor


class EmotionPerceptionNode(LifecycleNode):
    def __init__(self, **kwargs) -> None:
        super().__init__("emotion_perception", **kwargs)
        for spec in PARAMETERS:
            self.declare_parameter(spec.name, spec.default, _descriptor(spec))
        self.add_on_set_parameters_callback(self._on_set_parameters)
        self.stats = StreamStats(horizon_s=self.get_parameter("diagnostics_window_s").value)
        self.sources = SourceMixingDetector()
        self._configured = False
        self._pipeline = None
        # why the node is not perceiving, for /diagnostics (empty while active or never tried)
        self._last_error = ""
        self._subscription = None
        self._emotions_pub = None
        self._debug_pub = None
        self._diagnostics_pub = None
        self._diagnostics_timer = None
        self._slot: Optional[tuple[bytes, WirePrefix, float]] = None  # serialized image, its prefix, received
        self._image_type: type = Image
        self._slot_ready = threading.Condition()
        self._worker: Optional[threading.Thread] = None
        self._stop = threading.Event()  # the running worker's own; each activation makes a new one
        self._last_log: dict[str, float] = {}
        self._device = "none"
        self._activation_failures = 0  # a diagnostics value: not bad input, and no level once active
        self._device_note = ""
        if self.get_parameter("autostart").value:
            if self.trigger_configure() == TransitionCallbackReturn.SUCCESS:
                self.trigger_activate()

    # ---- parameters -------------------------------------------------------------------------
    def param(self, name: str) -> Any:
        return self.get_parameter(name).value

    def _on_set_parameters(self, parameters) -> SetParametersResult:
        for parameter in parameters:
            spec = BY_NAME.get(parameter.name)
            if spec is None:
                continue  # ROS's own (use_sim_time, ...)
            problem = spec.problem(parameter.value)
            if problem:
                return SetParametersResult(successful=False, reason=problem)
            if self._configured and not spec.runtime_safe:
                return SetParametersResult(
                    successful=False,
                    reason=f"{parameter.name} is read on configure/activate: deactivate and clean up the node, "
                           "set it, then configure again",
                )
        for parameter in parameters:
            if parameter.name == "diagnostics_window_s" and hasattr(self, "stats"):
                self.stats.horizon_s = float(parameter.value)
            if parameter.name in ("stride", "smoothing", "min_confidence") and self._pipeline is not None:
                self._apply_runtime(parameter.name, parameter.value)
        return SetParametersResult(successful=True)

    def _apply_runtime(self, name: str, value: Any) -> None:
        import dataclasses

        if name == "stride":
            windows = self._pipeline.windows
            windows.config = dataclasses.replace(windows.config, stride=int(value))
        elif name == "smoothing":
            self._pipeline.smoother.alpha = float(value)
        elif name == "min_confidence":
            self._pipeline.min_confidence = float(value)

    # ---- lifecycle --------------------------------------------------------------------------
    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        sensor = QoSProfile(depth=1, history=HistoryPolicy.KEEP_LAST, reliability=ReliabilityPolicy.RELIABLE)
        try:
            self._emotions_pub = self.create_lifecycle_publisher(FrameEmotions, "emotions", 10)
            self._debug_pub = self.create_lifecycle_publisher(Image, "debug_image", sensor)
            self._diagnostics_pub = self.create_publisher(DiagnosticArray, "/diagnostics", 10)
            # from configure on, so that an inactive node (or one whose activation failed) is seen
            self._diagnostics_timer = self.create_timer(1.0, self._publish_diagnostics)
        except Exception as error:  # rclpy would swallow it: log the cause once, and fail the transition
            self.get_logger().error(f"configuration failed: {type(error).__name__}: {error}")
            self._destroy_publishers()
            return TransitionCallbackReturn.FAILURE
        self._configured = True
        self.get_logger().info("configured")
        return super().on_configure(state)

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        if not self._previous_worker_finished():
            return TransitionCallbackReturn.FAILURE
        try:
            pipeline = self._build_pipeline()
        except Exception as error:  # rclpy would swallow it: log the cause once, and fail the transition
            self._activation_failures += 1
            self._last_error = f"activation failed: {type(error).__name__}: {error}"
            self.get_logger().error(self._last_error)
            self._publish_diagnostics()  # at once: a monitor need not wait for the next tick
            return TransitionCallbackReturn.FAILURE
        self._pipeline = pipeline
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._work, args=(pipeline, self._stop),
                                        name="emotion_perception_worker", daemon=True)
        self._worker.start()
        reliable = self.param("image_reliability") == "reliable"
        reliability = ReliabilityPolicy.RELIABLE if reliable else ReliabilityPolicy.BEST_EFFORT
        qos = QoSProfile(
            depth=1,
            history=HistoryPolicy.KEEP_LAST,
            reliability=reliability,
            durability=qos_profile_sensor_data.durability,
        )
        self._image_type = CompressedImage if self.param("compressed") else Image
        topic = "image/compressed" if self.param("compressed") else "image"
        self._subscription = self.create_subscription(self._image_type, topic, self._on_image, qos, raw=True)
        self._last_error = ""
        self.get_logger().info(
            f"active: model {self._pipeline.model_id or 'none'} on {self._device}, "
            f"listening on {self._subscription.topic_name}"
        )
        return super().on_activate(state)

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._release()
        if self._worker is None:
            self.get_logger().info("deactivated: model and pose estimator released")
        else:
            self.get_logger().info("deactivated: model and pose estimator released when the frame in flight ends")
        return super().on_deactivate(state)

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._destroy_publishers()
        self._configured = False
        return super().on_cleanup(state)

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._release()
        self._destroy_publishers()
        self._configured = False
        return super().on_shutdown(state)

    def _build_pipeline(self):
        pipeline = pipeline_from({name: self.param(name) for name in PIPELINE_PARAMETERS})
        if pipeline.engine is None:
            pipeline.close()
            raise ValueError("no emotion model: none packaged and model_path is empty")
        self._device, self._device_note = pipeline.engine.device, pipeline.engine.device_note or ""
        return pipeline

    def _release(self) -> None:
        """Stops input and the worker; the worker closes its pipeline once its last frame is done."""
        if self._subscription is not None:
            self.destroy_subscription(self._subscription)
            self._subscription = None
        self._stop.set()
        with self._slot_ready:
            self._slot = None
            self._slot_ready.notify_all()
        self._pipeline = None
        if self._worker is not None:
            self._worker.join(timeout=_DEACTIVATE_WAIT_S)
            if self._worker.is_alive():
                self.get_logger().warning(
                    f"a frame was still being processed after {_DEACTIVATE_WAIT_S:.0f} s: it finishes unpublished, "
                    "then its model and pose estimator are released"
                )
            else:
                self._worker = None

    def finish_frame_in_flight(self, timeout_s: float) -> bool:
        """Waits for the worker to finish its frame after _release (False if it is still running).
        At shutdown this matters: the interpreter exiting while the worker is inside MediaPipe
        ends the process with an abort instead of status 0."""
        worker = self._worker
        if worker is None or not worker.is_alive():
            return True
        worker.join(timeout=timeout_s)
        if worker.is_alive():
            self.get_logger().error(f"shutdown: the frame in flight was still being processed after {timeout_s:.0f} s")
            return False
        self._worker = None
        return True

    def _previous_worker_finished(self) -> bool:
        """Waits for the last frame of a previous activation (see _release): never two workers."""
        if self._worker is None:
            return True
        self._worker.join(timeout=_ACTIVATE_WAIT_S)
        if self._worker.is_alive():
            self.get_logger().error(
                f"activation failed: the previous activation's last frame is still being "
                f"processed after {_ACTIVATE_WAIT_S:.0f} s"
            )
            return False
        self._worker = None
        return True

    def _destroy_publishers(self) -> None:
        if self._diagnostics_timer is not None:
            self.destroy_timer(self._diagnostics_timer)
            self._diagnostics_timer = None
        for publisher in (self._emotions_pub, self._debug_pub, self._diagnostics_pub):
            if publisher is not None:
                self.destroy_publisher(publisher)
        self._emotions_pub = self._debug_pub = self._diagnostics_pub = None

    # ---- data path --------------------------------------------------------------------------
    def _on_image(self, serialized: bytes) -> None:
        try:
            prefix = read_prefix(serialized, self._image_type is CompressedImage)
        except BadImageError as error:
            self._bad_input(error.kind, str(error))
            return
        if self.sources.observe(prefix[:3]):
            self._log_once(
                "mixed_sources",
                f"frames on {self._subscription.topic_name} alternate between sources "
                f"({self._image_publishers()} publishers): check the remappings",
            )
        with self._slot_ready:
            if self._slot is not None:
                self.stats.record_dropped()
            self._slot = (serialized, prefix, time.monotonic())
            self._slot_ready.notify()

    def _work(self, pipeline, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                with self._slot_ready:
                    while self._slot is None and not stop.is_set():
                        self._slot_ready.wait(timeout=0.5)
                    if stop.is_set():
                        return
                    serialized, prefix, received = self._slot
                    self._slot = None
                if time.monotonic() - received > self.param("max_frame_age_s"):
                    self.stats.record_stale()
                    continue
                try:
                    self._process(pipeline, serialized, prefix, received, stop)
                except Exception as error:  # a bug must not silently stop perception: count, log, go on
                    self._bad_input("internal_error", f"{type(error).__name__}: {error}")
        finally:
            pipeline.close()

    def _process(self, pipeline, serialized: bytes, prefix: WirePrefix, received: float, stop: threading.Event) -> None:
        try:
            msg = deserialize_message(serialized, self._image_type)
        except Exception as error:  # rclpy raises its own types for malformed CDR
            self._bad_input("corrupt_message", f"{type(error).__name__}: {error}")
            return
        if self._image_type is Image:
            msg.encoding = prefix.encoding  # exactly as sent (see image_wire.py)
        try:
            rgb = to_rgb8(msg)
            frame = pipeline.process(rgb, stamp_seconds(msg.header))
        except BadImageError as error:
            self._bad_input(error.kind, str(error))
            return
        if stop.is_set():
            return  # deactivated during this frame: nothing is published by an inactive node
        if frame.clock_reset:
            self.stats.clock_resets += 1
            self._log_once("clock_jump", f"image stamps went back in time (now {frame.stamp:.3f} s): tracks reset")
        if frame.stamp_repeated:
            self.stats.record_bad_input("stamp_not_advancing")
            self._log_once("stamp_not_advancing", f"image stamps do not advance (again {frame.stamp:.3f} s): people "
                           "are tracked but never judged; does the camera driver stamp its images?")
        self._emotions_pub.publish(self._frame_message(msg.header, frame, pipeline.windows.config.length))
        if self.param("debug_image") and self._debug_pub.get_subscription_count() > 0:
            self._publish_debug(msg.header, rgb, frame)
        self.stats.record_frame(time.monotonic() - received, len(frame.people))

    def _image_publishers(self) -> int:
        subscription = self._subscription
        return self.count_publishers(subscription.topic_name) if subscription is not None else 0

    def _bad_input(self, kind: str, message: str) -> None:
        self.stats.record_bad_input(kind)
        self._log_once(kind, f"bad input ({kind}): {message}; frame skipped")

    def _log_once(self, kind: str, message: str) -> None:
        now = time.monotonic()
        if now - self._last_log.get(kind, -1e9) >= _LOG_INTERVAL_S:
            self._last_log[kind] = now
            self.get_logger().warning(message)

    def _frame_message(self, header: Any, frame, window_length: int) -> FrameEmotions:
        return frame_emotions(ROS_KIT, frame, stamp_ns(header), header.frame_id, window_length)

    def _publish_debug(self, header: Any, rgb, frame) -> None:
        import cv2

        from ..core.draw import draw_frame

        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        image = cv2_to_imgmsg(draw_frame(bgr, frame, model_installed=True), "bgr8", header)
        self._debug_pub.publish(image)

    def _publish_diagnostics(self) -> None:
        release_free_memory()
        stats = self.stats
        p50, p95 = stats.latency_ms(50), stats.latency_ms(95)
        status = DiagnosticStatus(name="emotion_perception: pipeline", hardware_id=self._device)
        active = self._subscription is not None
        publishers = self._image_publishers() if active else 0
        if active:
            health = judge(stats, self.param("latency_warn_ms"), self._device_note,
                           self.sources.recent(horizon_s=stats.horizon_s), publishers)
        elif self._last_error:  # a node that tried to perceive and cannot is dead to its robot
            health = Health(ERROR, f"inactive: {self._last_error}")
        else:
            health = Health(WARN, "inactive: not processing images (activate the node)")
        status.level, status.message = bytes([health.level]), health.message  # levels are bytes in rclpy
        values = {
            "lifecycle_state": "active" if active else "inactive",
            "rate_hz": f"{stats.rate_hz():.2f}",
            "latency_p50_ms": f"{p50:.1f}",
            "latency_p95_ms": f"{p95:.1f}",
            "people": str(stats.people),
            "frames_processed": str(stats.processed),
            "frames_dropped": str(stats.dropped),
            "frames_stale": str(stats.stale),
            "clock_resets": str(stats.clock_resets),
            "device": self._device,
            "image_publishers": str(publishers), "activation_failures": str(self._activation_failures),
            "source_alternations": str(self.sources.alternations),
            "frame_size_evictions": str(self._pipeline.pose.evictions if self._pipeline else 0),
            "model_id": self._pipeline.model_id if self._pipeline else "",
        }
        for kind, count in sorted(stats.bad_inputs.items()):
            values[f"bad_input.{kind}"] = str(count)
        status.values = [KeyValue(key=k, value=v) for k, v in values.items()]
        array = DiagnosticArray(status=[status])
        array.header.stamp = self.get_clock().now().to_msg()
        self._diagnostics_pub.publish(array)


def main(argv: Optional[list[str]] = None) -> int:
    import rclpy
    from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor

    limit_arenas()
    rclpy.init(args=argv if argv is not None else sys.argv)
    node = EmotionPerceptionNode()
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    try:
        executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node._release()
        if not node.finish_frame_in_flight(_SHUTDOWN_WAIT_S):
            os._exit(0)  # never let the interpreter unwind under a thread inside MediaPipe: it aborts
        executor.shutdown(timeout_sec=0.5)
        node.destroy_node()
        if rclpy.ok():
            rclpy.try_shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
